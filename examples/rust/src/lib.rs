//! Safe Rust wrapper of the ecgdig C API: digitize pictures of paper ECGs.
//!
//! ```no_run
//! let mut pipeline = ecgdig::Pipeline::new(&ecgdig::Options::default())?;
//! let page = pipeline.digitize_file("page.png")?;
//! for lead in page.leads()? { println!("{}: {} samples", lead.name, lead.mv.len()); }
//! # Ok::<(), ecgdig::Error>(())
//! ```

use std::ffi::{c_char, c_int, CStr, CString};
use std::fmt;
use std::ptr;

mod ffi {
    use std::ffi::{c_char, c_double, c_int};

    #[repr(C)]
    pub struct Pipeline {
        _private: [u8; 0],
    }
    #[repr(C)]
    pub struct Result {
        _private: [u8; 0],
    }

    #[repr(C)]
    pub struct PipelineOptions {
        pub struct_size: u32,
        pub num_threads: i32,
        pub output_fs_hz: c_double,
        pub segmenter: *const c_char,
        pub weights_path: *const c_char,
        pub layout: *const c_char,
        pub preprocessor: *const c_char,
        pub grid_detector: *const c_char,
        pub lead_layout: *const c_char,
        pub signal_extractor: *const c_char,
        pub stage_options: *const *const c_char,
    }

    pub const ABI_VERSION: u32 = 1;

    extern "C" {
        pub fn ecgdig_version() -> *const c_char;
        pub fn ecgdig_abi_version() -> u32;
        pub fn ecgdig_last_error_message() -> *const c_char;
        pub fn ecgdig_pipeline_options_init(opts: *mut PipelineOptions) -> c_int;
        pub fn ecgdig_pipeline_create(
            opts: *const PipelineOptions,
            out: *mut *mut Pipeline,
        ) -> c_int;
        pub fn ecgdig_pipeline_free(pipeline: *mut Pipeline);
        pub fn ecgdig_digitize_file_page(
            pipeline: *mut Pipeline,
            path: *const c_char,
            page_index: usize,
            out: *mut *mut Result,
        ) -> c_int;
        pub fn ecgdig_result_lead_count(result: *const Result, out: *mut usize) -> c_int;
        pub fn ecgdig_result_lead_name(
            result: *const Result,
            index: usize,
            out: *mut *const c_char,
        ) -> c_int;
        pub fn ecgdig_result_lead_samples(
            result: *const Result,
            index: usize,
            samples: *mut *const f32,
            count: *mut usize,
            fs_hz: *mut c_double,
            start_s: *mut c_double,
        ) -> c_int;
        pub fn ecgdig_result_layout_name(result: *const Result, out: *mut *const c_char) -> c_int;
        pub fn ecgdig_result_free(result: *mut Result);
    }
}

/// A failing ecgdig call: the C status code (negative) and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub status: i32,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ecgdig error {}: {}", self.status, self.message)
    }
}

impl std::error::Error for Error {}

/// Status code of a file that cannot be read (ECGDIG_E_IO).
pub const STATUS_IO: i32 = -2;
/// Status code of a bad argument (ECGDIG_E_INVALID_ARG).
pub const STATUS_INVALID_ARG: i32 = -1;

fn check(status: c_int) -> Result<(), Error> {
    if status == 0 {
        return Ok(());
    }
    // SAFETY: the message is never NULL and valid until the next failing call on this thread.
    let message = unsafe { CStr::from_ptr(ffi::ecgdig_last_error_message()) };
    Err(Error {
        status,
        message: message.to_string_lossy().into_owned(),
    })
}

fn c_string(s: &str, what: &str) -> Result<CString, Error> {
    CString::new(s).map_err(|_| Error {
        status: STATUS_INVALID_ARG,
        message: format!("{what} contains a NUL byte"),
    })
}

/// Version of the loaded library, e.g. "0.1.0".
pub fn version() -> String {
    // SAFETY: static storage, never NULL.
    unsafe { CStr::from_ptr(ffi::ecgdig_version()) }
        .to_string_lossy()
        .into_owned()
}

/// Settings of a pipeline; `None` keeps the library's default.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub num_threads: i32,
    pub output_fs_hz: Option<f64>,
    pub segmenter: Option<String>,
    pub layout: Option<String>,
}

/// A digitizing pipeline. It may move between threads but is used by one at a time.
pub struct Pipeline {
    raw: *mut ffi::Pipeline,
}

// SAFETY: the C API allows a pipeline to be used from any thread, one at a time;
// &mut self on every call enforces that.
unsafe impl Send for Pipeline {}

impl Pipeline {
    pub fn new(options: &Options) -> Result<Self, Error> {
        // SAFETY: ecgdig_abi_version has no preconditions.
        let abi = unsafe { ffi::ecgdig_abi_version() };
        if abi < ffi::ABI_VERSION {
            return Err(Error {
                status: -6,
                message: format!("libecgdig_c ABI {abi} is older than {}", ffi::ABI_VERSION),
            });
        }
        let segmenter = options
            .segmenter
            .as_deref()
            .map(|s| c_string(s, "segmenter"))
            .transpose()?;
        let layout = options
            .layout
            .as_deref()
            .map(|s| c_string(s, "layout"))
            .transpose()?;
        // SAFETY: all-zero is a valid bit pattern for the struct; init fills the defaults.
        let mut opts: ffi::PipelineOptions = unsafe { std::mem::zeroed() };
        check(unsafe { ffi::ecgdig_pipeline_options_init(&mut opts) })?;
        opts.num_threads = options.num_threads;
        if let Some(fs) = options.output_fs_hz {
            opts.output_fs_hz = fs;
        }
        opts.segmenter = segmenter.as_ref().map_or(ptr::null(), |s| s.as_ptr());
        opts.layout = layout.as_ref().map_or(ptr::null(), |s| s.as_ptr());
        let mut raw = ptr::null_mut();
        // SAFETY: the strings outlive the call; raw receives an owned handle.
        check(unsafe { ffi::ecgdig_pipeline_create(&opts, &mut raw) })?;
        Ok(Pipeline { raw })
    }

    /// Digitizes the first page of an image file or PDF.
    pub fn digitize_file(&mut self, path: &str) -> Result<Page, Error> {
        self.digitize_file_page(path, 0)
    }

    /// Digitizes page `index` (0-based) of an image file or PDF.
    pub fn digitize_file_page(&mut self, path: &str, index: usize) -> Result<Page, Error> {
        let path = c_string(path, "path")?;
        let mut raw = ptr::null_mut();
        // SAFETY: self.raw is a live handle used by this thread only (&mut self).
        check(unsafe { ffi::ecgdig_digitize_file_page(self.raw, path.as_ptr(), index, &mut raw) })?;
        Ok(Page { raw })
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        // SAFETY: the handle is owned and freed once.
        unsafe { ffi::ecgdig_pipeline_free(self.raw) }
    }
}

/// One lead: millivolts at `fs_hz`, NaN where the page shows nothing.
#[derive(Debug, Clone)]
pub struct Lead {
    pub name: String,
    pub fs_hz: f64,
    /// Time of the first sample the page shows, in seconds (NaN for none).
    pub start_s: f64,
    pub mv: Vec<f32>,
}

/// What the pipeline found on one page. Immutable, so shareable across threads.
pub struct Page {
    raw: *mut ffi::Result,
}

// SAFETY: results are immutable C objects that may be read from any thread.
unsafe impl Send for Page {}
unsafe impl Sync for Page {}

fn borrowed_str(p: *const c_char) -> String {
    // SAFETY: the C API hands out NUL-terminated strings valid while the result lives.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

impl Page {
    /// Layout template found, e.g. "3x4+1".
    pub fn layout(&self) -> Result<String, Error> {
        let mut name = ptr::null();
        check(unsafe { ffi::ecgdig_result_layout_name(self.raw, &mut name) })?;
        Ok(borrowed_str(name))
    }

    /// The 12 standard leads, copied out of the result.
    pub fn leads(&self) -> Result<Vec<Lead>, Error> {
        let mut count = 0usize;
        check(unsafe { ffi::ecgdig_result_lead_count(self.raw, &mut count) })?;
        (0..count)
            .map(|i| {
                let (mut name, mut samples, mut n, mut fs_hz, mut start_s) =
                    (ptr::null(), ptr::null(), 0usize, 0.0, 0.0);
                check(unsafe { ffi::ecgdig_result_lead_name(self.raw, i, &mut name) })?;
                check(unsafe {
                    ffi::ecgdig_result_lead_samples(
                        self.raw,
                        i,
                        &mut samples,
                        &mut n,
                        &mut fs_hz,
                        &mut start_s,
                    )
                })?;
                let mv = if n == 0 {
                    Vec::new()
                } else {
                    // SAFETY: n floats borrowed until the result is freed; copied here.
                    unsafe { std::slice::from_raw_parts(samples, n) }.to_vec()
                };
                Ok(Lead {
                    name: borrowed_str(name),
                    fs_hz,
                    start_s,
                    mv,
                })
            })
            .collect()
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        // SAFETY: the handle is owned and freed once.
        unsafe { ffi::ecgdig_result_free(self.raw) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_an_io_error_with_its_name() {
        let mut p = Pipeline::new(&Options {
            num_threads: 1,
            ..Default::default()
        })
        .unwrap();
        let err = p.digitize_file("/nonexistent/page.png").err().unwrap();
        assert_eq!(err.status, STATUS_IO);
        assert!(err.message.contains("page.png"), "{}", err.message);
    }

    #[test]
    fn unknown_segmenter_is_refused() {
        let opts = Options {
            segmenter: Some("no-such".into()),
            ..Default::default()
        };
        let err = Pipeline::new(&opts).err().unwrap();
        assert_eq!(err.status, STATUS_INVALID_ARG);
        assert!(err.message.contains("no-such"), "{}", err.message);
    }

    #[test]
    fn nul_in_path_is_refused_before_the_call() {
        let mut p = Pipeline::new(&Options::default()).unwrap();
        assert_eq!(
            p.digitize_file("a\0b").err().unwrap().status,
            STATUS_INVALID_ARG
        );
    }

    #[test]
    fn version_is_semver() {
        assert_eq!(version().split('.').count(), 3);
    }
}
