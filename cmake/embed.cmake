# botflow_embed(OUT NAME FILES...): generates OUT, a C++ file defining
#   std::span<const botflow::EmbeddedFile> botflow::embedded_<NAME>()
# with each file's base name and bytes, in the order given.
set(BOTFLOW_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake)

function(botflow_embed out name)
    add_custom_command(
        OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAME=${name} "-DFILES=${ARGN}"
                -P ${BOTFLOW_EMBED_SCRIPT}
        DEPENDS ${ARGN} ${BOTFLOW_EMBED_SCRIPT}
        COMMENT "Embedding ${name}"
        VERBATIM)
endfunction()
