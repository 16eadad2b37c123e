// jemalloc's settings for the `aim` executable, read as it starts (linked
// only with jemalloc: cli/CMakeLists.txt). `thp:always` backs the heap with
// transparent huge pages wherever the kernel allows it (its default THP
// mode, "madvise", does once asked): loading a large graph then costs a
// page fault per 2 MiB rather than per 4 KiB. MALLOC_CONF in the
// environment still overrides these.
extern "C" {
// NOLINTNEXTLINE: the name jemalloc looks up.
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always";
}
