package ecgdig

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
)

func TestMissingFileIsErrIO(t *testing.T) {
	p, err := NewPipeline(Options{NumThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = p.DigitizeFile("/nonexistent/page.png")
	if !errors.Is(err, ErrIO) || errors.Is(err, ErrFormat) {
		t.Fatalf("want ErrIO, got %v", err)
	}
	if !strings.Contains(err.Error(), "page.png") {
		t.Fatalf("message does not name the file: %v", err)
	}
}

func TestUnknownSegmenterIsErrInvalidArg(t *testing.T) {
	_, err := NewPipeline(Options{Segmenter: "no-such"})
	if !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("want ErrInvalidArg, got %v", err)
	}
}

func TestClosedPipelineAndDoubleClose(t *testing.T) {
	p, err := NewPipeline(Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	p.Close()
	if _, err := p.DigitizeFile("x.png"); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("want ErrInvalidArg on a closed pipeline, got %v", err)
	}
}

func TestDigitizesThePage(t *testing.T) {
	path := os.Getenv("ECGDIG_TEST_PAGE")
	if path == "" {
		t.Skip("ECGDIG_TEST_PAGE not set")
	}
	p, err := NewPipeline(Options{NumThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	page, err := p.DigitizeFile(path)
	p.Close() // the page outlives its pipeline
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	leads, err := page.Leads()
	if err != nil {
		t.Fatal(err)
	}
	if len(leads) != 12 || leads[0].Name != "I" || leads[11].Name != "V6" {
		t.Fatalf("want the 12 standard leads, got %d", len(leads))
	}
	if math.Abs(leads[3].StartS-2.5) > 0.1 {
		t.Fatalf("aVR should start near 2.5 s on a 3x4 page, got %.2f", leads[3].StartS)
	}
}
