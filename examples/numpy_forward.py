"""A senn checkpoint read without senn: its forward pass in numpy, from the file alone.

A checkpoint is one safetensors file. Its metadata entry "senn" is a JSON graph: "levels" in
the order they are computed (inputs first, each with its size, activation and role) and
"blocks", each joining two levels (src -> dst). Block N's weights are the tensor
blocks.N.weight: a src x dst matrix where the block is dense, else one value per edge with the
edges' endpoints in blocks.N.src and blocks.N.dst (neuron indices within the two levels).
Level L's bias is levels.L.bias; a level's pre-activation is its bias plus the sum of its
blocks in. A pooling level (its "pool" entry names the level it pools and its kind) has no
bias and no block: neuron i takes the largest value ("max") or the mean ("average") of its
window, the edges levels.L.poolSrc -> levels.L.poolDst, before its activation. This is how a grown network can be studied in Python
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


def block_matrix(tensors, index, block, src_size, dst_size):
    """Block `index`'s weights as a src x dst matrix (zeros where a sparse block has no edge)."""
    weight = tensors[f"blocks.{index}.weight"]
    if block["form"] == "dense":
        return weight
    matrix = np.zeros((src_size, dst_size), np.float32)
    matrix[tensors[f"blocks.{index}.src"], tensors[f"blocks.{index}.dst"]] = weight
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
            src, dst = tensors[f"levels.{level['id']}.poolSrc"], tensors[f"levels.{level['id']}.poolDst"]
            if level["pool"]["kind"] == "max":
                pooled = np.full((len(x), level["size"]), -np.inf, np.float32)
                np.maximum.at(pooled, (slice(None), dst), source[:, src])
            else:
                pooled = np.zeros((len(x), level["size"]), np.float32)
                np.add.at(pooled, (slice(None), dst), source[:, src])
                pooled /= np.bincount(dst, minlength=level["size"])
            values[level["id"]] = ACTIVATIONS[level["activation"]](pooled)
            continue
        z = np.broadcast_to(tensors[f"levels.{level['id']}.bias"], (len(x), level["size"])).copy()
        for index, block in enumerate(graph["blocks"]):
            if block["dst"] == level["id"]:
                z += values[block["src"]] @ block_matrix(tensors, index, block, size[block["src"]], level["size"])
        values[level["id"]] = ACTIVATIONS[level["activation"]](z)
    (output,) = [level["id"] for level in graph["levels"] if level["role"] == "output"]
    return values[output]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    inputs = np.loadtxt(sys.argv[2], delimiter=",", dtype=np.float32, ndmin=2)
    np.savetxt(sys.stdout, forward(sys.argv[1], inputs), delimiter=",", fmt="%.9g")
