# Warnings on our own code only; libraries come in as SYSTEM includes.
function(botflow_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
endfunction()
