# nf_bpf_skeleton(<library> SOURCE <x.bpf.c> NAME <skeleton name> HEADER <path of x.skel.h under gen/>
#                 INCLUDE <dir for the BPF compile> [DEPENDS <headers>...])
# Compiles SOURCE with clang -target bpf at build time and embeds it in <library> through a `bpftool gen
# skeleton` header, gen/HEADER in the current binary directory (gen/ is on the library's public include
# path), so the binary carries its program. One recipe for every BPF program of the project.
function(nf_bpf_skeleton library)
  cmake_parse_arguments(BPF "" "SOURCE;NAME;HEADER;INCLUDE" "DEPENDS" ${ARGN})
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/gen)
  get_filename_component(stem ${BPF_SOURCE} NAME_WE)
  set(object ${gen}/${stem}.bpf.o)
  set(skeleton ${gen}/${BPF_HEADER})
  get_filename_component(skeleton_dir ${skeleton} DIRECTORY)
  set(arch_include)
  if(CMAKE_LIBRARY_ARCHITECTURE)
    set(arch_include -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE})
  endif()
  add_custom_command(
    OUTPUT ${object}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${skeleton_dir}
    COMMAND ${CLANG} -O2 -g -Wall -Werror -target bpf ${arch_include} -I${BPF_INCLUDE}
            -c ${CMAKE_CURRENT_SOURCE_DIR}/${BPF_SOURCE} -o ${object}
    DEPENDS ${BPF_SOURCE} ${BPF_DEPENDS}
    COMMENT "clang -target bpf ${BPF_SOURCE}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skeleton}
    COMMAND sh -c "${BPFTOOL} gen skeleton ${object} name ${BPF_NAME} > ${skeleton}"
    DEPENDS ${object}
    COMMENT "bpftool gen skeleton ${stem}.bpf.o"
    VERBATIM)
  # One target per program: a library may embed several (the datapath: failover, two_dev).
  add_custom_target(${library}_${stem}_skel DEPENDS ${skeleton})
  target_sources(${library} PRIVATE ${skeleton})
  add_dependencies(${library} ${library}_${stem}_skel)
  target_include_directories(${library} PUBLIC ${gen})
endfunction()
