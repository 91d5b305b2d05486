# LEAKCHECK_PORTABLE=ON (tools/package.sh): the release binary for any x86_64 Linux with glibc.
# Everything but glibc is linked statically: libstdc++ and libgcc, yaml-cpp and RE2 (Debian's .a),
# fmt, simdjson and tinyxml2 (Debian ships no .a: compiled here from their Debian source packages
# of the same versions as the installed -dev packages, which tools/package.sh downloads with
# `apt-get source` into LEAKCHECK_VENDOR_DIR). The targets keep the names and the compile flags
# of the normal build (consumers still include the installed headers), so ccache shares objects.
if(NOT LEAKCHECK_VENDOR_DIR OR NOT IS_DIRECTORY "${LEAKCHECK_VENDOR_DIR}")
  message(FATAL_ERROR "LEAKCHECK_PORTABLE needs -DLEAKCHECK_VENDOR_DIR=<folder with the simdjson "
                      "and tinyxml2 sources> (tools/package.sh fetches them)")
endif()

function(leakcheck_find_vendored out_var name marker)
  file(GLOB candidates "${LEAKCHECK_VENDOR_DIR}/${name}-*/${marker}")
  list(LENGTH candidates n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "expected one ${LEAKCHECK_VENDOR_DIR}/${name}-*/${marker}, found ${n}")
  endif()
  get_filename_component(dir "${candidates}" DIRECTORY)
  set(${out_var} "${dir}" PARENT_SCOPE)
endfunction()

leakcheck_find_vendored(simdjson_dir simdjson singleheader/simdjson.cpp)
add_library(leakcheck_simdjson STATIC ${simdjson_dir}/simdjson.cpp)
target_include_directories(leakcheck_simdjson SYSTEM BEFORE PRIVATE ${simdjson_dir})
# as Debian's simdjson::simdjson (simdjsonTargets.cmake)
target_compile_definitions(leakcheck_simdjson PUBLIC SIMDJSON_THREADS_ENABLED=1)
target_link_libraries(leakcheck_simdjson PUBLIC Threads::Threads)
add_library(simdjson::simdjson ALIAS leakcheck_simdjson)

leakcheck_find_vendored(tinyxml2_dir tinyxml2 tinyxml2.cpp)
add_library(leakcheck_tinyxml2 STATIC ${tinyxml2_dir}/tinyxml2.cpp)
target_include_directories(leakcheck_tinyxml2 SYSTEM BEFORE PRIVATE ${tinyxml2_dir})
target_compile_definitions(leakcheck_tinyxml2 INTERFACE TINYXML2_IMPORT)   # as Debian's target
add_library(tinyxml2::tinyxml2 ALIAS leakcheck_tinyxml2)

function(leakcheck_static_import target library)
  find_library(path_${library} NAMES lib${library}.a REQUIRED NO_CACHE)
  add_library(${target} STATIC IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES IMPORTED_LOCATION ${path_${library}})
endfunction()
leakcheck_static_import(yaml-cpp yaml-cpp)
leakcheck_static_import(PkgConfig::RE2 re2)
# what `pkg-config --cflags --libs re2` adds
set_target_properties(PkgConfig::RE2 PROPERTIES INTERFACE_COMPILE_OPTIONS -pthread
                                                INTERFACE_LINK_LIBRARIES -pthread)

leakcheck_find_vendored(fmt_dir fmt src/format.cc)
get_filename_component(fmt_dir ${fmt_dir} DIRECTORY)   # the folder above src/
add_library(leakcheck_fmt STATIC ${fmt_dir}/src/format.cc ${fmt_dir}/src/os.cc)
target_include_directories(leakcheck_fmt SYSTEM BEFORE PRIVATE ${fmt_dir}/include)
target_compile_definitions(leakcheck_fmt PUBLIC FMT_SHARED)   # as Debian's fmt::fmt (FMT_API)
target_compile_definitions(leakcheck_fmt PRIVATE FMT_LIB_EXPORT)
add_library(fmt::fmt ALIAS leakcheck_fmt)

# Links `target` with libstdc++ and libgcc inside; with LEAKCHECK_GLIBC_SYSROOT, against that
# root's glibc (crt files, libc.so, libc_nonshared.a), so the binary asks for no symbol newer
# than that glibc has.
function(leakcheck_make_portable target)
  target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  if(LEAKCHECK_GLIBC_SYSROOT)
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tools/cmake/glibc_compat.cc)
    # --sysroot alone is not enough: GCC searches its own multiarch folder (the host's
    # /usr/lib/x86_64-linux-gnu) before the sysroot's, for libc.so and for Scrt1.o. -B puts the
    # sysroot's crt files and libraries first.
    set(libdir ${LEAKCHECK_GLIBC_SYSROOT}/usr/lib/x86_64-linux-gnu)
    target_link_options(${target} PRIVATE --sysroot=${LEAKCHECK_GLIBC_SYSROOT} -B${libdir}/
                        -L${libdir} -L${LEAKCHECK_GLIBC_SYSROOT}/lib/x86_64-linux-gnu)
  endif()
endfunction()
