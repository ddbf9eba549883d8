"""ecgdig through ctypes: digitize ECG page images into numpy arrays.

    import ecgdig
    leads = ecgdig.digitize("page.png")        # {"I": array([...]), ..., "V6": ...}

The shared library is found from the ECGDIG_C_LIBRARY environment variable,
else by the system's search (libecgdig_c.so.1).
"""

import ctypes
import ctypes.util
import os

import numpy as np

ABI_VERSION = 1

_STATUS_OK = 0

_PIXEL_FORMATS = {"gray": 1, "rgb": 2, "bgr": 3, "rgba": 4, "bgra": 5}
_RECORD_FORMATS = {"wfdb": 0, "csv": 1, "json": 2}


class Error(Exception):
    """A failing ecgdig call: `status` is the ecgdig_status code (negative)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class _Options(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_uint32),
        ("num_threads", ctypes.c_int32),
        ("output_fs_hz", ctypes.c_double),
        ("segmenter", ctypes.c_char_p),
        ("weights_path", ctypes.c_char_p),
        ("layout", ctypes.c_char_p),
        ("preprocessor", ctypes.c_char_p),
        ("grid_detector", ctypes.c_char_p),
        ("lead_layout", ctypes.c_char_p),
        ("signal_extractor", ctypes.c_char_p),
        ("stage_options", ctypes.POINTER(ctypes.c_char_p)),
    ]


class _ImageView(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("width", ctypes.c_int32),
        ("height", ctypes.c_int32),
        ("stride_bytes", ctypes.c_int32),
        ("format", ctypes.c_int),
    ]


def _load():
    path = os.environ.get("ECGDIG_C_LIBRARY") or ctypes.util.find_library("ecgdig_c")
    if not path:
        raise OSError("libecgdig_c not found; set ECGDIG_C_LIBRARY to its path")
    lib = ctypes.CDLL(path)
    P, S = ctypes.c_void_p, ctypes.c_int
    size_p, double_p = ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_double)
    str_p = ctypes.POINTER(ctypes.c_char_p)
    signatures = {
        "ecgdig_version": ([], ctypes.c_char_p),
        "ecgdig_abi_version": ([], ctypes.c_uint32),
        "ecgdig_last_error_message": ([], ctypes.c_char_p),
        "ecgdig_pipeline_options_init": ([ctypes.POINTER(_Options)], S),
        "ecgdig_pipeline_create": ([ctypes.POINTER(_Options), ctypes.POINTER(P)], S),
        "ecgdig_pipeline_free": ([P], None),
        "ecgdig_digitize_file_page": ([P, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(P)], S),
        "ecgdig_digitize_image": ([P, ctypes.POINTER(_ImageView), ctypes.POINTER(P)], S),
        "ecgdig_file_page_count": ([ctypes.c_char_p, size_p], S),
        "ecgdig_result_lead_count": ([P, size_p], S),
        "ecgdig_result_lead_name": ([P, ctypes.c_size_t, str_p], S),
        "ecgdig_result_lead_samples": ([P, ctypes.c_size_t, ctypes.POINTER(ctypes.POINTER(ctypes.c_float)),
                                        size_p, double_p, double_p], S),
        "ecgdig_result_layout_name": ([P, str_p], S),
        "ecgdig_result_write": ([P, ctypes.c_char_p, ctypes.c_int], S),
        "ecgdig_result_free": ([P], None),
    }
    for name, (args, res) in signatures.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, res
    if lib.ecgdig_abi_version() < ABI_VERSION:
        raise OSError(f"{path} has ABI {lib.ecgdig_abi_version()}, this module needs {ABI_VERSION}")
    return lib


_lib = _load()


def _check(status):
    if status != _STATUS_OK:
        raise Error(status, _lib.ecgdig_last_error_message().decode("utf-8", "replace"))


def version():
    """Version of the loaded library, e.g. "0.1.0"."""
    return _lib.ecgdig_version().decode()


class _Handle:
    """Owns one C object; freed by close(), `with`, or garbage collection."""

    _free = None  # name of the C function that frees the handle

    def close(self):
        if getattr(self, "_handle", None):
            getattr(_lib, self._free)(self._handle)
            self._handle = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Result(_Handle):
    """One digitized page; the arrays it returns are copies, valid after close()."""

    _free = "ecgdig_result_free"

    def __init__(self, handle):
        self._handle = handle

    @property
    def layout(self):
        name = ctypes.c_char_p()
        _check(_lib.ecgdig_result_layout_name(self._handle, ctypes.byref(name)))
        return name.value.decode()

    def leads(self):
        """{lead name: float32 array of millivolts, NaN where the page shows nothing}, and fs in Hz."""
        count = ctypes.c_size_t()
        _check(_lib.ecgdig_result_lead_count(self._handle, ctypes.byref(count)))
        out, fs = {}, 0.0
        for i in range(count.value):
            name = ctypes.c_char_p()
            samples = ctypes.POINTER(ctypes.c_float)()
            n, fs_hz, start_s = ctypes.c_size_t(), ctypes.c_double(), ctypes.c_double()
            _check(_lib.ecgdig_result_lead_name(self._handle, i, ctypes.byref(name)))
            _check(_lib.ecgdig_result_lead_samples(self._handle, i, ctypes.byref(samples), ctypes.byref(n),
                                                   ctypes.byref(fs_hz), ctypes.byref(start_s)))
            values = np.ctypeslib.as_array(samples, shape=(n.value,)) if n.value else np.empty(0)
            out[name.value.decode()] = np.array(values, dtype=np.float32)  # copy: outlives the result
            fs = fs_hz.value
        return out, fs

    def write(self, path, fmt="wfdb"):
        """Writes the record as "wfdb", "csv" or "json"."""
        _check(_lib.ecgdig_result_write(self._handle, os.fsencode(path), _RECORD_FORMATS[fmt]))


class Pipeline(_Handle):
    """A digitizing pipeline; use one per thread."""

    _free = "ecgdig_pipeline_free"

    def __init__(self, num_threads=0, output_fs_hz=500.0, segmenter=None, layout=None):
        opts = _Options()
        _check(_lib.ecgdig_pipeline_options_init(ctypes.byref(opts)))
        opts.num_threads = num_threads
        opts.output_fs_hz = output_fs_hz
        opts.segmenter = segmenter.encode() if segmenter else None
        opts.layout = layout.encode() if layout else None
        self._handle = ctypes.c_void_p()
        _check(_lib.ecgdig_pipeline_create(ctypes.byref(opts), ctypes.byref(self._handle)))

    def digitize_file(self, path, page=0):
        """Digitizes one page (0-based) of an image file or PDF."""
        handle = ctypes.c_void_p()
        _check(_lib.ecgdig_digitize_file_page(self._handle, os.fsencode(path), page, ctypes.byref(handle)))
        return Result(handle)

    def digitize_array(self, pixels, pixel_format="rgb"):
        """Digitizes a uint8 array of shape (h, w) for "gray" or (h, w, 3|4) for rgb/bgr/rgba/bgra."""
        pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
        view = _ImageView(pixels.ctypes.data, pixels.shape[1], pixels.shape[0], pixels.strides[0],
                          _PIXEL_FORMATS[pixel_format])
        handle = ctypes.c_void_p()
        _check(_lib.ecgdig_digitize_image(self._handle, ctypes.byref(view), ctypes.byref(handle)))
        return Result(handle)


def page_count(path):
    """Number of pages in an image file or PDF."""
    n = ctypes.c_size_t()
    _check(_lib.ecgdig_file_page_count(os.fsencode(path), ctypes.byref(n)))
    return n.value


def digitize(path, page=0, **pipeline_options):
    """Digitizes one page of a file: a dict {lead name: numpy float32 array in mV}."""
    with Pipeline(**pipeline_options) as pipeline, pipeline.digitize_file(path, page) as result:
        return result.leads()[0]
