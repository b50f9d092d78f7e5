"""Sweep the size of a linked list for three allocators and plot it.

    .venv/bin/python report/examples/sweep_allocators.py [--out sweep.png]

The same list, its nodes from a bump arena, a fixed-size pool and
std::pmr::unsynchronized_pool_resource, timed from 4 KiB of nodes to beyond
the last-level cache. Change one thing (the sizes, the allocators) and run
it again: that is the point of running cases from Python.
"""

import argparse

import locality
from locality.report.document import families_of, figure_meta
from locality.report.plot import plot_family
from locality.report.summary import Summary
from locality.report.tidy import caches, tidy

ALLOCATORS = ["arena_nodes/bump_list_sum", "arena_nodes/pool_list_sum",
              "arena_nodes/pmr_pool_list_sum"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="sweep_allocators.png", help="PNG to write")
    parser.add_argument("--max-elements", type=int, default=1 << 22,
                        help="largest list (default 4 Mi nodes, 64 MiB)")
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args(argv)

    sizes = [n for n in (1 << k for k in range(8, 31, 2)) if n <= args.max_elements]
    runs = [locality.run(case, sizes=sizes, repetitions=args.repetitions, min_time=0.02)
            for case in ALLOCATORS]
    # One result of the three runs: the same machine, the records together.
    result = locality.Results([rec for r in runs for rec in r], runs[0].context).result_file()
    frame = tidy([result])
    frame = frame[frame["error"] == ""]
    family = families_of([result])["arena_nodes"]
    fig = plot_family(Summary(frame), "arena_nodes", family, caches(result),
                      figure_meta(result, "LOC-sweep-allocators"))
    fig.savefig(args.out, dpi=150)
    medians = frame.groupby(["case", "elements"])["time_per_elem_ns"].median().unstack(0)
    print(medians.round(3).to_string())
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
