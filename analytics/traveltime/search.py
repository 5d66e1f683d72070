"""Compiled shortest-path searches for the two travel-time engines (numba, no Python loop at run time).

- :func:`grid_cost`: one multi-source Dijkstra over a friction grid with the moves of GRASS
  ``r.cost`` (``-k``: knight's moves too), each move's cost worked out from the cells as it is
  relaxed, so no graph of tens of millions of moves is built. The costs are those of
  ``friction._grid_graph`` (same sums in the same order): bit for bit what
  ``scipy.sparse.csgraph.dijkstra`` gives on that graph.
- :func:`bounded_reach`: for each source node of a road network, the nodes within a time bound
  and the origins snapped to them. One small search per source that touches only the nodes it
  reaches (a few tens of thousands on a national network) and resets only those, where
  ``scipy.sparse.csgraph.dijkstra(indices=…, limit=…)`` fills a whole row of the network per source
  and then reads every origin from it. Sources are shared between threads (the kernel releases
  the GIL).

Every search keeps a bucket queue (Dial's): buckets :data:`BUCKET_S` seconds wide, each a linked
list of the nodes (cells) waiting at those times, circular for :func:`grid_cost` (one bucket more
than the costliest move spans) and up to the bound for the bounded searches. The nodes of one
bucket are taken in any order, and one lowered while its bucket is being emptied is taken again,
so when the bucket is empty its times are final and exactly Dijkstra's: each the smallest sum of
the same additions, in the same order along its path (only which of two equally near starts
owns a cell may differ). A node costs a few list links instead of a binary heap's sifts: when
the queue replaced an indexed heap, the bounded searches took 2.4 times and the grid search 1.7
times less CPU, with the same times bit for bit (``benchmarks.traveltime_bench`` holds them
against scipy's and networkx's Dijkstra in the same run).
The list links are written out in each kernel: as numba functions, even inlined, they made the
bounded search 1.5 to 1.8 times slower.

Compiled on first use and cached beside the module (``cache=True``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

#: Width of a bucket of the searches' queues (seconds), widened so that a queue never holds more
#: than :data:`MAX_BUCKETS` buckets.
BUCKET_S = 1.0
MAX_BUCKETS = 1 << 16


@numba.njit(cache=True, inline="always")
def _move_seconds(flat, here, u, v, m, between, n_between, length):
    """The cost of move ``m`` from cell ``u`` (friction ``here``) to ``v``: the mean friction of
    its two cells and the cells it passes between, times its length; NaN across a null cell; at
    least 1e-12, as the sparse graph keeps a zero-cost move a move."""
    total = here + flat[v]
    for b in range(n_between[m]):
        total += flat[u + between[m, b]]
    step = total / (2 + n_between[m]) * length[m]
    if step < 1e-12:
        step = 1e-12
    return step


@numba.njit(cache=True, nogil=True)
def _grid_search(padded, cells, owners, offset, between, n_between, length, width, n_slots):
    """Multi-source search over a grid with a border of 2 null cells (no move leaves it), in flat
    indices: a circular bucket queue of ``n_slots`` buckets ``width`` seconds wide (more than the
    costliest move spans, so every waiting cell is within one turn of the circle)."""
    n = padded.size
    flat = padded.ravel()
    cost = np.full(n, np.inf)
    nearest = np.full(n, -1, dtype=np.int32)
    head = np.full(n_slots, -1, dtype=np.int32)
    nxt = np.full(n, -1, dtype=np.int32)
    prv = np.full(n, -1, dtype=np.int32)
    where = np.full(n, -1, dtype=np.int32)
    waiting = 0
    for s in range(len(cells)):
        c = cells[s]
        cost[c] = 0.0
        nearest[c] = owners[s]
        h = head[0]
        nxt[c], prv[c], head[0], where[c] = h, -1, c, 0
        if h != -1:
            prv[h] = c
        waiting += 1
    n_moves = len(offset)
    turn = 0
    while waiting > 0:
        b = turn % n_slots
        while head[b] != -1:
            u = head[b]
            head[b] = nxt[u]
            if nxt[u] != -1:
                prv[nxt[u]] = -1
            where[u] = -1
            waiting -= 1
            d = cost[u]
            here = flat[u]
            for m in range(n_moves):
                v = u + offset[m]
                if cost[v] <= d:  # no move from u can lower it
                    continue
                step = _move_seconds(flat, here, u, v, m, between, n_between, length)
                if not step < np.inf:  # a null cell on the way (NaN)
                    continue
                nd = d + step
                if nd < cost[v]:
                    cost[v] = nd
                    nearest[v] = nearest[u]
                    was, to = where[v], int(nd / width) % n_slots
                    if was != to:
                        if was != -1:  # out of the list of the bucket it waited in
                            p, q = prv[v], nxt[v]
                            if p != -1:
                                nxt[p] = q
                            else:
                                head[was] = q
                            if q != -1:
                                prv[q] = p
                        else:
                            waiting += 1
                        h = head[to]
                        nxt[v], prv[v], head[to], where[v] = h, -1, v, to
                        if h != -1:
                            prv[h] = v
        turn += 1
    return cost, nearest


def _buckets(friction: np.ndarray, lengths: np.ndarray) -> tuple[float, int]:
    """Bucket width (seconds) and count of :func:`_grid_search`'s circle: one bucket more than
    the costliest move spans, at most :data:`MAX_BUCKETS` (wider buckets beyond)."""
    finite = friction[np.isfinite(friction)]
    step = float(finite.max() * lengths.max()) if finite.size and lengths.size else 0.0
    width = max(BUCKET_S, step / MAX_BUCKETS)
    return width, int(step / width) + 2


def _padded(friction: np.ndarray, moves: Sequence[tuple[int, int, tuple[tuple[int, int], ...]]]):
    """The grid with a border of 2 null cells, and each move as flat offsets in it."""
    rows, cols = friction.shape
    width = cols + 4
    padded = np.full((rows + 4, width), np.nan)
    padded[2:-2, 2:-2] = friction
    n_between = np.array([len(b) for _, _, b in moves], dtype=np.int64)
    between = np.zeros((len(moves), max(1, int(n_between.max(initial=0)))), dtype=np.int64)
    for m, (_, _, cells_between) in enumerate(moves):
        for b, (br, bc) in enumerate(cells_between):
            between[m, b] = br * width + bc
    offset = np.array([dr * width + dc for dr, dc, _ in moves], dtype=np.int64)
    return padded, offset, between, n_between


def _to_padded(cells: np.ndarray, cols: int) -> np.ndarray:
    r, c = np.divmod(np.asarray(cells, dtype=np.int64), cols)
    return (r + 2) * (cols + 4) + c + 2


def grid_cost(
    friction: np.ndarray,
    cells: np.ndarray,
    owners: np.ndarray,
    moves: Sequence[tuple[int, int, tuple[tuple[int, int], ...]]],
    lengths: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Cost from the nearest of the start ``cells`` (flat indices, each once) to every cell of
    ``friction`` (NaN = barrier) over ``moves`` ((row step, column step, cells crossed between),
    each costing the mean friction of its cells times its ``lengths``), and the ``owners`` entry
    of that start (-1 where unreached; cost inf there). Flat arrays of ``friction.size``."""
    rows, cols = friction.shape
    padded, offset, between, n_between = _padded(friction, moves)
    lengths = np.asarray(lengths, dtype=np.float64)
    cost, nearest = _grid_search(
        padded,
        _to_padded(cells, cols),
        np.asarray(owners, dtype=np.int32),
        offset,
        between,
        n_between,
        lengths,
        *_buckets(friction, lengths),
    )
    inner = (slice(2, -2), slice(2, -2))
    return (
        cost.reshape(rows + 4, cols + 4)[inner].ravel(),
        nearest.reshape(rows + 4, cols + 4)[inner].ravel().astype(np.int64),
    )


@numba.njit(cache=True, nogil=True)
def _grid_reach_chunk(padded, cells, offset, between, n_between, length, limit):
    n = padded.size
    flat = padded.ravel()
    width = max(BUCKET_S, limit / MAX_BUCKETS)
    head = np.full(int(limit / width) + 2, -1, dtype=np.int32)  # each bucket: a linked list
    nxt = np.full(n, -1, dtype=np.int32)
    prv = np.full(n, -1, dtype=np.int32)
    where = np.full(n, -1, dtype=np.int32)  # the bucket a cell waits in (-1: none)
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int32)
    cap = 1 << 16
    out_start = np.empty(cap, dtype=np.int64)
    out_cell = np.empty(cap, dtype=np.int64)
    out_seconds = np.empty(cap, dtype=np.float64)
    count = 0
    n_moves = len(offset)
    for s in range(len(cells)):
        c = cells[s]
        dist[c] = 0.0
        touched[0] = c
        n_touched = 1
        head[0], nxt[c], prv[c], where[c] = c, -1, -1, 0
        for b in range(int(max(limit, 0.0) / width) + 1):  # the start's bucket at least
            while head[b] != -1:  # in any order: a cell lowered within the bucket comes again
                u = head[b]
                head[b] = nxt[u]
                if nxt[u] != -1:
                    prv[nxt[u]] = -1
                where[u] = -1
                d = dist[u]
                here = flat[u]
                for m in range(n_moves):
                    v = u + offset[m]
                    if dist[v] <= d:  # no move from u can lower it
                        continue
                    step = _move_seconds(flat, here, u, v, m, between, n_between, length)
                    if not step < np.inf:  # a null cell on the way (NaN)
                        continue
                    nd = d + step
                    if nd <= limit and nd < dist[v]:
                        if dist[v] == np.inf:
                            touched[n_touched] = v
                            n_touched += 1
                        dist[v] = nd
                        was, to = where[v], int(nd / width)
                        if was != to:
                            if was != -1:  # out of the list of the bucket it waited in
                                p, q = prv[v], nxt[v]
                                if p != -1:
                                    nxt[p] = q
                                else:
                                    head[was] = q
                                if q != -1:
                                    prv[q] = p
                            h = head[to]  # at the head of its new bucket's list
                            nxt[v], prv[v], head[to], where[v] = h, -1, v, to
                            if h != -1:
                                prv[h] = v
        first = count
        for t in range(n_touched):  # every bucket is done: the costs are final
            u = touched[t]
            if count == cap:
                cap *= 2
                out_start = _grow(out_start, cap)
                out_cell = _grow(out_cell, cap)
                out_seconds = _grow(out_seconds, cap)
            out_start[count] = s
            out_cell[count] = u
            out_seconds[count] = dist[u]
            count += 1
            dist[u] = np.inf
        _sort_run(out_cell, out_seconds, first, count)
    return out_start[:count], out_cell[:count], out_seconds[:count]


def grid_reach(
    friction: np.ndarray,
    cells: np.ndarray,
    moves: Sequence[tuple[int, int, tuple[tuple[int, int], ...]]],
    lengths: np.ndarray,
    limit: float,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (start, cell) pair within ``limit`` of each start cell over the moves of
    :func:`grid_cost`, with its cost; per start the cells come in ascending (flat) order. One
    bounded search per start, the starts shared between ``threads``."""
    cols = friction.shape[1]
    padded, offset, between, n_between = _padded(friction, moves)
    starts = _to_padded(cells, cols)
    lengths = np.asarray(lengths, dtype=np.float64)

    def part(ids: np.ndarray):
        got = _grid_reach_chunk(
            padded, starts[ids], offset, between, n_between, lengths, float(limit)
        )
        r, c = np.divmod(got[1], cols + 4)
        return ids[got[0]], (r - 2) * cols + c - 2, got[2]

    return _shared(part, len(starts), threads)


def _shared(part, n: int, threads: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``part`` run on the ``n`` sources split between threads, the results joined in order."""
    threads = threads or min(4, os.cpu_count() or 1)
    parts = np.array_split(np.arange(n), max(1, min(threads, n)))
    with ThreadPoolExecutor(len(parts)) as pool:
        done = list(pool.map(part, parts))
    return tuple(np.concatenate([d[i] for d in done]) for i in range(3))  # type: ignore[return-value]


@numba.njit(cache=True, nogil=True)
def _reach_chunk(
    indptr, indices, data, n, sources, start_s, bound, origin_ptr, origin_ids, origin_s, limit
):
    top = 0.0
    for s in range(len(bound)):
        top = max(top, bound[s])
    width = max(BUCKET_S, top / MAX_BUCKETS)
    head = np.full(int(top / width) + 2, -1, dtype=np.int32)  # each bucket: a linked list
    nxt = np.full(n, -1, dtype=np.int32)
    prv = np.full(n, -1, dtype=np.int32)
    where = np.full(n, -1, dtype=np.int32)  # the bucket a node waits in (-1: none)
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int32)
    cap = 1 << 16
    out_source = np.empty(cap, dtype=np.int64)
    out_origin = np.empty(cap, dtype=np.int64)
    out_seconds = np.empty(cap, dtype=np.float64)
    count = 0
    for s in range(len(sources)):
        src = sources[s]
        start, reach = start_s[s], bound[s]  # read once, not at every edge
        if not reach >= 0.0:  # its own walk is longer than the limit: it reaches nothing
            continue
        dist[src] = 0.0
        touched[0] = src
        n_touched = 1
        head[0], nxt[src], prv[src], where[src] = src, -1, -1, 0
        for b in range(int(reach / width) + 1):
            while head[b] != -1:  # in any order: a node lowered within the bucket comes again
                u = head[b]
                head[b] = nxt[u]
                if nxt[u] != -1:
                    prv[nxt[u]] = -1
                where[u] = -1
                d = dist[u]
                for e in range(indptr[u], indptr[u + 1]):
                    v = indices[e]
                    nd = d + data[e]
                    if nd <= reach and nd < dist[v]:
                        if dist[v] == np.inf:
                            touched[n_touched] = v
                            n_touched += 1
                        dist[v] = nd
                        was, to = where[v], int(nd / width)
                        if was != to:
                            if was != -1:  # out of the list of the bucket it waited in
                                p, q = prv[v], nxt[v]
                                if p != -1:
                                    nxt[p] = q
                                else:
                                    head[was] = q
                                if q != -1:
                                    prv[q] = p
                            h = head[to]  # at the head of its new bucket's list
                            nxt[v], prv[v], head[to], where[v] = h, -1, v, to
                            if h != -1:
                                prv[h] = v
        first = count
        for t in range(n_touched):  # every bucket is done: the times are final
            u = touched[t]
            d = dist[u]
            for k in range(origin_ptr[u], origin_ptr[u + 1]):
                total = start + d + origin_s[k]
                if total <= limit:
                    if count == cap:
                        cap *= 2
                        out_source = _grow(out_source, cap)
                        out_origin = _grow(out_origin, cap)
                        out_seconds = _grow(out_seconds, cap)
                    out_source[count] = s
                    out_origin[count] = origin_ids[k]
                    out_seconds[count] = total
                    count += 1
            dist[u] = np.inf
        _sort_run(out_origin, out_seconds, first, count)
    return out_source[:count], out_origin[:count], out_seconds[:count]


@numba.njit(cache=True, inline="always")
def _sort_run(out_id, out_seconds, first, count):
    """Put one start's output (``first:count``) in ascending id order."""
    order = np.argsort(out_id[first:count], kind="mergesort")
    out_id[first:count] = out_id[first:count][order]
    out_seconds[first:count] = out_seconds[first:count][order]


@numba.njit(cache=True, inline="always")
def _grow(values, cap):
    out = np.empty(cap, dtype=values.dtype)
    out[: len(values)] = values
    return out


def bounded_reach(
    reversed_csr,
    sources: np.ndarray,
    start_seconds: np.ndarray,
    origin_node: np.ndarray,
    origin_seconds: np.ndarray,
    limit: float,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (source, origin) pair with ``start_seconds[source]`` + the network time from the
    origin's node to the source's node + ``origin_seconds[origin]`` ≤ ``limit`` (summed in that
    order), and that time; per source the origins come in ascending order.

    ``reversed_csr``: the network reversed (times towards the sources), a CSR matrix.
    ``threads``: sources are split between this many threads (default: the CPU count, at most 4).
    """
    n = reversed_csr.shape[0]
    sources = np.asarray(sources, dtype=np.int64)
    start_seconds = np.asarray(start_seconds, dtype=np.float64)
    origin_node = np.asarray(origin_node, dtype=np.int64)
    by_node = np.argsort(origin_node, kind="stable")
    origin_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(origin_node, minlength=n), out=origin_ptr[1:])
    origin_s = np.asarray(origin_seconds, dtype=np.float64)[by_node]
    # a node farther than this from the source cannot bring an origin within the limit (a
    # millionth of a second of slack for rounding; the sum is checked exactly against ``limit``)
    bound = limit - start_seconds + 1e-6
    index = np.int32 if reversed_csr.nnz < np.iinfo(np.int32).max else np.int64
    indptr = reversed_csr.indptr.astype(index)
    indices = reversed_csr.indices.astype(index)
    data = reversed_csr.data.astype(np.float64)

    def part(ids: np.ndarray):
        got = _reach_chunk(
            indptr,
            indices,
            data,
            n,
            sources[ids],
            start_seconds[ids],
            bound[ids],
            origin_ptr,
            by_node,
            origin_s,
            float(limit),
        )
        return ids[got[0]], got[1], got[2]

    return _shared(part, len(sources), threads)
