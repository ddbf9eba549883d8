# Third-party dependencies, all from Debian packages.
find_package(OpenCV 4 REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TCMALLOC REQUIRED IMPORTED_TARGET libtcmalloc_minimal)

# LibTorch is 5-8x slower with glibc malloc; every executable that may run a
# model links tcmalloc. --no-as-needed keeps the library even though no symbol
# of it is referenced directly.
function(ecgdig_link_tcmalloc target)
  if(NOT ECGDIG_SANITIZE)
    target_link_libraries(${target} PRIVATE -Wl,--no-as-needed PkgConfig::TCMALLOC -Wl,--as-needed)
  endif()
endfunction()
# PDF pages are rendered with poppler's C++ binding (private to the library).
pkg_check_modules(POPPLER_CPP REQUIRED IMPORTED_TARGET poppler-cpp)
# The U-Net segmenter and its trainer: LibTorch's C++ frontend, private to the library.
if(ECGDIG_WITH_TORCH)
  find_package(Torch QUIET)
  if(NOT Torch_FOUND)
    message(FATAL_ERROR "LibTorch was not found (Debian: libtorch-dev); configure with -DECGDIG_WITH_TORCH=OFF "
                        "to build without the unet segmenter")
  endif()
endif()
