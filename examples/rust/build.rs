//! Links libecgdig_c from the folder named by ECGDIG_C_LIB_DIR (set by the
//! CMake build; otherwise the system's library path is searched).
use std::env;

fn main() {
    println!("cargo:rerun-if-env-changed=ECGDIG_C_LIB_DIR");
    if let Ok(dir) = env::var("ECGDIG_C_LIB_DIR") {
        println!("cargo:rustc-link-search=native={dir}");
        // Binaries and tests find the library where it was built, without LD_LIBRARY_PATH.
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    println!("cargo:rustc-link-lib=dylib=ecgdig_c");
}
