// libFuzzer's entry point for programs with their own `main` (the fuzzer runtime that
// `-sanitize=fuzzer` links provides it): Swift executables name their `main` for the
// package manager, so the harnesses start libFuzzer from there.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
