/* bench_xdp.bpf.c — bench:scale's wrappers (bench_wrap.h: bench_flows,
 * bench_flows_restore, lb_gc) at the XDP hook, around the pipeline as
 * balancer_xdp.bpf.o compiles it, on the same maps; the tc ones are in
 * bench.bpf.c. Test-run only, never attached. */
#define LB_XDP 1
#include "lb_main.h"
#include "gc.h"
#include "bench_wrap.h"

char _license[] SEC("license") = "GPL";
