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

:func:`grid_cost` keeps an indexed binary heap (decrease-key), so it never holds more entries
than cells. :func:`bounded_reach` keeps a bucket queue instead (Dial's: buckets of
:data:`BUCKET_S` seconds up to the bound, each a linked list of nodes): the nodes of one bucket
are taken in any order, and one lowered within the bucket it is in is taken again, so when the
bucket is empty its times are final and exactly Dijkstra's (each the smallest sum of the same
additions, in the same order along its path). A node costs a few list links instead of a heap's
sifts: on the 1 million node network of ``benchmarks.traveltime_bench``, 2.5× less CPU than the
heap it replaced, with the same pairs and seconds bit for bit.

Compiled on first use and cached beside the module (``cache=True``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _sift_up(key, node, pos, i):
    k, v = key[i], node[i]
    while i > 0:
        parent = (i - 1) >> 1
        if key[parent] <= k:
            break
        key[i], node[i] = key[parent], node[parent]
        pos[node[i]] = i
        i = parent
    key[i], node[i] = k, v
    pos[v] = i


@numba.njit(cache=True, inline="always")
def _pop(key, node, pos, size):
    """Take the smallest entry off a heap of ``size`` entries; returns (its node, new size)."""
    top = node[0]
    pos[top] = -2  # settled
    size -= 1
    if size == 0:
        return top, size
    k, v = key[size], node[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and key[child + 1] < key[child]:
            child += 1
        if key[child] >= k:
            break
        key[i], node[i] = key[child], node[child]
        pos[node[i]] = i
        i = child
    key[i], node[i] = k, v
    pos[v] = i
    return top, size


@numba.njit(cache=True, inline="always")
def _push(key, node, pos, size, v, d):
    """Insert ``v`` at ``d`` or lower its key; returns the new size."""
    i = pos[v]
    if i < 0:
        i = size
        size += 1
        node[i] = v
    key[i] = d
    _sift_up(key, node, pos, i)
    return size


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
def _grid_search(padded, cells, owners, offset, between, n_between, length):
    """Dijkstra over a grid with a border of 2 null cells (no move leaves it), in flat indices."""
    n = padded.size
    flat = padded.ravel()
    cost = np.full(n, np.inf)
    nearest = np.full(n, -1, dtype=np.int32)
    pos = np.full(n, -1, dtype=np.int32)
    key = np.empty(n, dtype=np.float64)
    node = np.empty(n, dtype=np.int32)
    size = 0
    for s in range(len(cells)):
        cost[cells[s]] = 0.0
        nearest[cells[s]] = owners[s]
        size = _push(key, node, pos, size, cells[s], 0.0)
    n_moves = len(offset)
    while size > 0:
        d = key[0]
        u, size = _pop(key, node, pos, size)
        here = flat[u]
        for m in range(n_moves):
            v = u + offset[m]
            if pos[v] == -2:
                continue
            step = _move_seconds(flat, here, u, v, m, between, n_between, length)
            if not step < np.inf:  # a null cell on the way (NaN)
                continue
            nd = d + step
            if nd < cost[v]:
                cost[v] = nd
                nearest[v] = nearest[u]
                size = _push(key, node, pos, size, v, nd)
    return cost, nearest


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
    cost, nearest = _grid_search(
        padded,
        _to_padded(cells, cols),
        np.asarray(owners, dtype=np.int32),
        offset,
        between,
        n_between,
        np.asarray(lengths, dtype=np.float64),
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
    dist = np.full(n, np.inf)
    pos = np.full(n, -1, dtype=np.int32)
    key = np.empty(n, dtype=np.float64)
    node = np.empty(n, dtype=np.int32)
    touched = np.empty(n, dtype=np.int32)
    cap = 1 << 16
    out_start = np.empty(cap, dtype=np.int64)
    out_cell = np.empty(cap, dtype=np.int64)
    out_seconds = np.empty(cap, dtype=np.float64)
    count = 0
    n_moves = len(offset)
    for s in range(len(cells)):
        first = count
        dist[cells[s]] = 0.0
        touched[0] = cells[s]
        n_touched = 1
        size = _push(key, node, pos, 0, cells[s], 0.0)
        while size > 0:
            d = key[0]
            u, size = _pop(key, node, pos, size)
            if count == cap:
                cap *= 2
                out_start = _grow(out_start, cap)
                out_cell = _grow(out_cell, cap)
                out_seconds = _grow(out_seconds, cap)
            out_start[count] = s
            out_cell[count] = u
            out_seconds[count] = d
            count += 1
            here = flat[u]
            for m in range(n_moves):
                v = u + offset[m]
                if pos[v] == -2:
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
                    size = _push(key, node, pos, size, v, nd)
        _close_run(dist, pos, touched, n_touched, out_cell, out_seconds, first, count)
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


#: Width of a bucket of :func:`bounded_reach`'s queue (seconds), widened so that a search never
#: holds more than :data:`MAX_BUCKETS` buckets.
BUCKET_S = 1.0
MAX_BUCKETS = 1 << 16


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
def _close_run(dist, pos, touched, n_touched, out_id, out_seconds, first, count):
    """End one start's bounded search: reset only the nodes it touched, and put what it reached
    (``first:count`` of the output) in ascending id order, as a dense row would list them."""
    for t in range(n_touched):
        dist[touched[t]] = np.inf
        pos[touched[t]] = -1
    _sort_run(out_id, out_seconds, first, count)


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
