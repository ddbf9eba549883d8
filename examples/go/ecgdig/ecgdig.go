// Package ecgdig digitizes pictures of paper ECGs through the ecgdig C API.
//
//	p, err := ecgdig.NewPipeline(ecgdig.Options{})
//	if err != nil { ... }
//	defer p.Close()
//	page, err := p.DigitizeFile("page.png")
//	if errors.Is(err, ecgdig.ErrIO) { ... }
//
// The include and library folders come from CGO_CFLAGS and CGO_LDFLAGS.
package ecgdig

/*
#cgo LDFLAGS: -lecgdig_c
#include <stdlib.h>
#include <ecgdig.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// Error is a failing ecgdig call: Status is the C API's ecgdig_status (negative).
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("ecgdig: %s", e.Message) }

// Is makes errors.Is(err, ErrIO) and the like compare statuses.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Status == e.Status
}

// Sentinel errors for errors.Is, one per status.
var (
	ErrInvalidArg  = &Error{Status: C.ECGDIG_E_INVALID_ARG}
	ErrIO          = &Error{Status: C.ECGDIG_E_IO}
	ErrNoGrid      = &Error{Status: C.ECGDIG_E_NO_GRID}
	ErrFormat      = &Error{Status: C.ECGDIG_E_FORMAT}
	ErrNotAnECG    = &Error{Status: C.ECGDIG_E_NOT_AN_ECG}
	ErrUnsupported = &Error{Status: C.ECGDIG_E_UNSUPPORTED}
	ErrInternal    = &Error{Status: C.ECGDIG_E_INTERNAL}
)

// call runs one C call and reads its message on the same OS thread, since
// the message is thread-local and goroutines move between threads.
func call(f func() C.ecgdig_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if status := f(); status != C.ECGDIG_OK {
		return &Error{Status: int(status), Message: C.GoString(C.ecgdig_last_error_message())}
	}
	return nil
}

// Version is the loaded library's version, e.g. "0.1.0".
func Version() string { return C.GoString(C.ecgdig_version()) }

// Options of a pipeline; zero values keep the library's defaults.
type Options struct {
	NumThreads int     // 0 = all cores
	OutputFsHz float64 // 0 = 500 Hz
	Segmenter  string  // "" = "classical"
	Layout     string  // "" = "auto"
}

// Pipeline digitizes pages. Its methods may be called from any goroutine;
// calls on one pipeline are serialised (use one per goroutine for parallel work).
type Pipeline struct {
	mu sync.Mutex
	p  *C.ecgdig_pipeline
}

// NewPipeline builds a pipeline; Close it when done (a finalizer is a safety net).
func NewPipeline(o Options) (*Pipeline, error) {
	if C.ecgdig_abi_version() < C.ECGDIG_ABI_VERSION {
		return nil, &Error{Status: C.ECGDIG_E_UNSUPPORTED, Message: "libecgdig_c is older than its header"}
	}
	var opts C.ecgdig_pipeline_options
	if err := call(func() C.ecgdig_status { return C.ecgdig_pipeline_options_init(&opts) }); err != nil {
		return nil, err
	}
	opts.num_threads = C.int32_t(o.NumThreads)
	if o.OutputFsHz != 0 {
		opts.output_fs_hz = C.double(o.OutputFsHz)
	}
	for _, s := range []struct {
		value string
		field **C.char
	}{{o.Segmenter, &opts.segmenter}, {o.Layout, &opts.layout}} {
		if s.value != "" {
			cs := C.CString(s.value)
			defer C.free(unsafe.Pointer(cs))
			*s.field = cs
		}
	}
	p := &Pipeline{}
	if err := call(func() C.ecgdig_status { return C.ecgdig_pipeline_create(&opts, &p.p) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(p, (*Pipeline).Close)
	return p, nil
}

// Close frees the pipeline; pages it made stay valid. Safe to call twice.
func (p *Pipeline) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	C.ecgdig_pipeline_free(p.p)
	p.p = nil
	runtime.SetFinalizer(p, nil)
	return nil
}

// DigitizeFile digitizes the first page of an image file or PDF.
func (p *Pipeline) DigitizeFile(path string) (*Page, error) { return p.DigitizeFilePage(path, 0) }

// DigitizeFilePage digitizes page index (0-based) of an image file or PDF.
func (p *Pipeline) DigitizeFilePage(path string, index int) (*Page, error) {
	if index < 0 {
		return nil, &Error{Status: C.ECGDIG_E_INVALID_ARG, Message: fmt.Sprintf("page index %d is negative", index)}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.p == nil {
		return nil, &Error{Status: C.ECGDIG_E_INVALID_ARG, Message: "pipeline is closed"}
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	page := &Page{}
	if err := call(func() C.ecgdig_status {
		return C.ecgdig_digitize_file_page(p.p, cpath, C.size_t(index), &page.r)
	}); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(page, (*Page).Close)
	return page, nil
}

// Lead is one lead in millivolts; NaN where the page shows nothing.
type Lead struct {
	Name   string
	FsHz   float64
	StartS float64 // time of the first sample the page shows (NaN for none)
	MV     []float32
}

// Page is what the pipeline found on one page.
type Page struct {
	mu sync.Mutex
	r  *C.ecgdig_result
}

// Close frees the page. Safe to call twice.
func (pg *Page) Close() error {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	C.ecgdig_result_free(pg.r)
	pg.r = nil
	runtime.SetFinalizer(pg, nil)
	return nil
}

// Layout is the layout template found, e.g. "3x4+1".
func (pg *Page) Layout() (string, error) {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	var name *C.char
	err := call(func() C.ecgdig_status { return C.ecgdig_result_layout_name(pg.r, &name) })
	if err != nil {
		return "", err
	}
	return C.GoString(name), nil
}

// Leads copies out the 12 standard leads.
func (pg *Page) Leads() ([]Lead, error) {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	var count C.size_t
	if err := call(func() C.ecgdig_status { return C.ecgdig_result_lead_count(pg.r, &count) }); err != nil {
		return nil, err
	}
	leads := make([]Lead, 0, int(count))
	for i := C.size_t(0); i < count; i++ {
		var name *C.char
		var samples *C.float
		var n C.size_t
		var fs, start C.double
		err := call(func() C.ecgdig_status {
			if s := C.ecgdig_result_lead_name(pg.r, i, &name); s != C.ECGDIG_OK {
				return s
			}
			return C.ecgdig_result_lead_samples(pg.r, i, &samples, &n, &fs, &start)
		})
		if err != nil {
			return nil, err
		}
		mv := make([]float32, int(n))
		if n > 0 {
			copy(mv, unsafe.Slice((*float32)(unsafe.Pointer(samples)), int(n)))
		}
		leads = append(leads, Lead{Name: C.GoString(name), FsHz: float64(fs), StartS: float64(start), MV: mv})
	}
	return leads, nil
}
