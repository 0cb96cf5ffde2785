"""A senn checkpoint read without senn: its forward pass in numpy, from the file alone.

A checkpoint is one safetensors file. Its metadata entry "senn" is a JSON graph: "levels" in
the order they are computed (inputs first, each with its size, activation and role) and
"blocks", each joining two levels (src -> dst). Block N's weights are the tensor
blocks.N.weight: a src x dst matrix where the block is dense, else one value per edge with the
edges' endpoints in blocks.N.src and blocks.N.dst (neuron indices within the two levels).
Level L's bias is levels.L.bias; a level's pre-activation is its bias plus the sum of its
blocks in. A pooling level (its "pool" entry names the level it pools and its kind) has no
bias and no block: neuron i takes the largest value ("max") or the mean ("average") of its
window, the edges levels.L.poolSrc -> levels.L.poolDst, before its activation. Shared values
(a convolution's) have ids: blocks.N.ties gives each edge's, levels.L.biasTies each neuron's;
from format version 6 the weight and bias tensors hold one value per id, ids ascending, and a
convolution's block names its windows ("convolution": image width, height, channels, kernel,
stride, padding, filters) and each kernel entry's id (blocks.N.entries, -1 where the block
lacks the entry) instead of its edges. From version 7 a pooling level whose windows are an
image's names that image ("pool": {"image": width, height, channels, kernel, stride, padding})
instead of listing its edges, and bias ids that repeat are written as their first period (the
level's "sharedBiasPeriod"). This is how a grown network can be studied in Python
(numpy, PyTorch, JAX).

    python3 examples/numpy_forward.py NET.senn INPUTS.csv > OUTPUTS.csv

INPUTS.csv holds one row of the network's inputs a line, as the network sees them (pixels
scaled to [0, 1]; CSV features standardised as the checkpoint's run records). The output is
one row of the output level a line (logits for a classifier), as `senn predict` computes them.
"""

import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "I32": np.int32}

ACTIVATIONS = {
    "identity": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
}


def read_safetensors(path):
    """The tensors (name -> numpy array) and the metadata (str -> str) of a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    (header_bytes,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_bytes])
    metadata = header.pop("__metadata__", {})
    body = memoryview(raw)[8 + header_bytes :]
    tensors = {}
    for name, t in header.items():
        start, end = t["data_offsets"]
        tensors[name] = np.frombuffer(body[start:end], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
    return tensors, metadata


def per_id(values, ids):
    """One value per slot from one value per shared id (ids ascending), as format 6 writes them."""
    return values[np.unique(ids, return_inverse=True)[1].reshape(-1)]


def convolution_edges(c, entries):
    """A convolution's edges (src, dst) and shared-weight ids, from its windows: every filter at
    every window position reads the window's pixels and channels on the image, in the order
    senn's convolutionConnections makes them; kernel entry ((filter * kernel + ky) * kernel + kx)
    * channels + channel has id entries[entry], -1 where the block lacks the entry."""
    k, s, p, f_count, ch_count = c["kernel"], c["stride"], c["padding"], c["filters"], c["channels"]
    out_w = (c["width"] + 2 * p - k) // s + 1
    out_h = (c["height"] + 2 * p - k) // s + 1
    oy, ox, f, ky, kx, ch = np.meshgrid(*(np.arange(n) for n in (out_h, out_w, f_count, k, k, ch_count)), indexing="ij")
    y, x = oy * s + ky - p, ox * s + kx - p
    ids = entries[((f * k + ky) * k + kx) * ch_count + ch]
    kept = (y >= 0) & (y < c["height"]) & (x >= 0) & (x < c["width"]) & (ids >= 0)
    return ((y * c["width"] + x) * ch_count + ch)[kept], ((oy * out_w + ox) * f_count + f)[kept], ids[kept]


def pool_edges(level, tensors):
    """A pooling level's window edges (src, dst): from its image (each channel of each window,
    as senn's maxPoolConnections makes them: a one-filter convolution over one channel), or
    listed."""
    image = level["pool"].get("image")
    if image is None:
        return tensors[f"levels.{level['id']}.poolSrc"], tensors[f"levels.{level['id']}.poolDst"]
    channels = image["channels"]
    one = dict(image, channels=1, filters=1)
    src, dst, _ = convolution_edges(one, np.arange(image["kernel"] ** 2))
    ch = np.arange(channels)
    return (src[:, None] * channels + ch).reshape(-1), (dst[:, None] * channels + ch).reshape(-1)


def bias_ids(level, tensors):
    """Each neuron's shared-bias id (None where the level shares none): a repeating list is
    written as its first period."""
    ids = tensors.get(f"levels.{level['id']}.biasTies")
    if ids is None:
        return None
    return np.tile(ids, level["size"] // len(ids))


def block_matrix(tensors, index, block, src_size, dst_size, version):
    """Block `index`'s weights as a src x dst matrix (zeros where a sparse block has no edge)."""
    weight = tensors[f"blocks.{index}.weight"]
    ties = tensors.get(f"blocks.{index}.ties")
    if "convolution" in block:
        src, dst, ties = convolution_edges(block["convolution"], tensors[f"blocks.{index}.entries"])
    elif block["form"] == "sparse":
        src, dst = tensors[f"blocks.{index}.src"], tensors[f"blocks.{index}.dst"]
    else:
        # A matrix's edges (and ids) run by destination, then source.
        dst, src = np.divmod(np.arange(src_size * dst_size), src_size)
    if version >= 6 and ties is not None:
        weight = per_id(weight, ties)
    elif block["form"] == "dense":
        return weight
    matrix = np.zeros((src_size, dst_size), np.float32)
    matrix[src, dst] = weight
    return matrix


def forward(path, x):
    """The output level's values for the rows of `x` (rows x inputs)."""
    tensors, metadata = read_safetensors(path)
    graph = json.loads(metadata["senn"])
    size = {level["id"]: level["size"] for level in graph["levels"]}
    values = {}
    for level in graph["levels"]:
        if level["role"] == "input":
            values[level["id"]] = x
            continue
        if "pool" in level:
            source = values[level["pool"]["source"]]
            src, dst = pool_edges(level, tensors)
            if level["pool"]["kind"] == "max":
                pooled = np.full((len(x), level["size"]), -np.inf, np.float32)
                np.maximum.at(pooled, (slice(None), dst), source[:, src])
            else:
                pooled = np.zeros((len(x), level["size"]), np.float32)
                np.add.at(pooled, (slice(None), dst), source[:, src])
                pooled /= np.bincount(dst, minlength=level["size"])
            values[level["id"]] = ACTIVATIONS[level["activation"]](pooled)
            continue
        bias = tensors[f"levels.{level['id']}.bias"]
        ids = bias_ids(level, tensors)
        if graph["version"] >= 6 and ids is not None:
            bias = per_id(bias, ids)
        z = np.broadcast_to(bias, (len(x), level["size"])).copy()
        for index, block in enumerate(graph["blocks"]):
            if block["dst"] == level["id"]:
                z += values[block["src"]] @ block_matrix(tensors, index, block, size[block["src"]], level["size"], graph["version"])
        values[level["id"]] = ACTIVATIONS[level["activation"]](z)
    (output,) = [level["id"] for level in graph["levels"] if level["role"] == "output"]
    return values[output]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    inputs = np.loadtxt(sys.argv[2], delimiter=",", dtype=np.float32, ndmin=2)
    np.savetxt(sys.stdout, forward(sys.argv[1], inputs), delimiter=",", fmt="%.9g")
