"""The search space: a variant is a graph recipe x ONNX Runtime session options x threads x the chunk
length the runtime feeds the graph, by name.

Every variant is a frozen dataclass that serialises to JSON (``to_json``/``from_json``) and whose name
says what differs from the defaults, e.g. ``int8-matmul/t2``, ``fp32/t2-nospin`` or ``int8-matmul/t2-c15``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from hindi_asr.contract import DEFAULT_CHUNK_S, default_session


@dataclass(frozen=True)
class GraphRecipe:
    """How one ONNX graph is derived from the exported fp32 graph.

    ``optimise``: saved offline by ONNX Runtime at this level ("extended" or "all"), then loaded with
    optimisation off. ``ort_format``: the same, saved in ORT format. ``quantise``: "dynamic" (weights
    int8, activations quantised at run time) or "static" (QDQ, activation ranges calibrated on speech).
    ``pointwise_to_matmul``: 1x1 Conv1d rewritten to MatMul first, so MatMul quantisation reaches them.
    ``static_subsampling``: the subsampling's 2-D convolutions (those with more than one input channel
    per group) get static QDQ first, calibrated on speech, which ONNX Runtime runs as QLinearConv; the
    MatMuls are then quantised as ``quantise`` says. On the medium architecture that one Conv is a
    quarter of a 10 s clip in fp32, and dynamic ConvInteger is slower than fp32. ``stft_as_conv``: the
    featurizer's STFT (one thread in ORT) rewritten as a Conv1d over the windowed DFT basis (threaded).
    ``drop_masks``: the encoder's length masks removed (``search.masks``); exact at the lengths the
    runtime then pads its input to (``N // hop`` odd, at most one hop of silence added).
    ``lean_rel_shift``: each attention's relative-position shift without its Pad (``search.relshift``;
    bit-identical output).
    ``position_tables``: each layer's projection of the relative-position table precomputed
    (``search.positions``), for inputs up to ``DEFAULT_CHUNK_S`` (the graph's ``max_input_s`` becomes
    that, and the runtime never feeds a longer chunk).
    """

    name: str
    optimise: str | None = None
    ort_format: bool = False
    quantise: str | None = None
    op_types: tuple[str, ...] = ("MatMul",)
    per_channel: bool = False
    weight_type: str = "qint8"
    pointwise_to_matmul: bool = False
    static_subsampling: bool = False
    stft_as_conv: bool = False
    drop_masks: bool = False
    lean_rel_shift: bool = False
    position_tables: bool = False

    @property
    def portable(self) -> bool:
        """False for graphs saved at ORT_ENABLE_ALL: they hold kernels laid out for this machine's CPU."""
        return self.optimise != "all"


@dataclass(frozen=True)
class SessionRecipe:
    """ONNX Runtime session options of a variant (model.json's ``session`` object)."""

    threads: int = 2
    graph_optimization_level: str = "all"
    allow_spinning: bool = True
    execution_mode: str = "sequential"
    enable_cpu_mem_arena: bool = True
    enable_mem_pattern: bool = True

    def model_json(self) -> dict[str, Any]:
        return default_session(
            intra_op_num_threads=self.threads,
            inter_op_num_threads=1,
            graph_optimization_level=self.graph_optimization_level,
            execution_mode=self.execution_mode,
            allow_spinning=self.allow_spinning,
            enable_cpu_mem_arena=self.enable_cpu_mem_arena,
            enable_mem_pattern=self.enable_mem_pattern,
        )

    @property
    def suffix(self) -> str:
        """What differs from the defaults, e.g. ``t2-nospin-noarena``."""
        default = SessionRecipe()
        parts = [f"t{self.threads}"]
        if self.graph_optimization_level not in (default.graph_optimization_level, "disable"):
            parts.append(self.graph_optimization_level)
        if not self.allow_spinning:
            parts.append("nospin")
        if self.execution_mode != default.execution_mode:
            parts.append(self.execution_mode)
        if not self.enable_cpu_mem_arena:
            parts.append("noarena")
        if not self.enable_mem_pattern:
            parts.append("nopattern")
        return "-".join(parts)


@dataclass(frozen=True)
class Variant:
    """``chunk_s``: the longest audio the runtime gives the graph at once (model.json's ``chunk_s``); it
    changes nothing below that length, and peak memory and long-file speed above it."""

    graph: GraphRecipe
    session: SessionRecipe = field(default_factory=SessionRecipe)
    chunk_s: float = DEFAULT_CHUNK_S

    @property
    def name(self) -> str:
        chunk = "" if self.chunk_s == DEFAULT_CHUNK_S else f"-c{self.chunk_s:g}"
        return f"{self.graph.name}/{self.session.suffix}{chunk}"

    @property
    def slug(self) -> str:
        """The name as a file name."""
        return self.name.replace("/", "__")

    def to_json(self) -> dict[str, Any]:
        graph = {**asdict(self.graph), "portable": self.graph.portable}
        return {"name": self.name, "graph": graph, "session": asdict(self.session), "chunk_s": self.chunk_s}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Variant:
        graph = {k: v for k, v in data["graph"].items() if k != "portable"}
        graph["op_types"] = tuple(graph.get("op_types", ("MatMul",)))
        _check_keys(GraphRecipe, graph)
        _check_keys(SessionRecipe, data["session"])
        chunk_s = float(data.get("chunk_s", DEFAULT_CHUNK_S))
        return cls(GraphRecipe(**graph), SessionRecipe(**data["session"]), chunk_s)


def _check_keys(kind: type, data: dict[str, Any]) -> None:
    unknown = set(data) - {f.name for f in fields(kind)}
    if unknown:
        raise ValueError(f"unknown {kind.__name__} keys {sorted(unknown)}")


FP32 = GraphRecipe("fp32")
# The static-subsampling line: each recipe adds one rewrite to the one before.
SCONV = GraphRecipe("int8-sconv-opt", quantise="dynamic", static_subsampling=True, optimise="extended")
SCONV_DFT = replace(SCONV, name="int8-sconv-dft-opt", stft_as_conv=True)
SCONV_DFT_NOMASK = replace(SCONV_DFT, name="int8-sconv-dft-nomask-opt", drop_masks=True)
SCONV_DFT_NOMASK_RS = replace(SCONV_DFT_NOMASK, name="int8-sconv-dft-nomask-rs-opt", lean_rel_shift=True)
SCONV_DFT_NOMASK_RS_PW = replace(
    SCONV_DFT_NOMASK_RS, name="int8-sconv-dft-nomask-rs-pw-opt", pointwise_to_matmul=True
)
GRAPHS = (
    FP32,
    GraphRecipe("opt-extended", optimise="extended"),
    GraphRecipe("opt-all", optimise="all"),
    GraphRecipe("ort-extended", optimise="extended", ort_format=True),
    GraphRecipe("int8-matmul", quantise="dynamic"),
    GraphRecipe("int8-matmul-u8", quantise="dynamic", weight_type="quint8"),
    GraphRecipe("int8-matmul-pc", quantise="dynamic", per_channel=True),
    GraphRecipe("int8-matmul-conv", quantise="dynamic", op_types=("MatMul", "Conv")),
    # Quantised, then optimised offline: the session skips graph optimisation at start (cold start).
    GraphRecipe("int8-matmul-opt", quantise="dynamic", optimise="extended"),
    GraphRecipe("int8-matmul-ort", quantise="dynamic", optimise="extended", ort_format=True),
    SCONV,
    SCONV_DFT,
    SCONV_DFT_NOMASK,
    SCONV_DFT_NOMASK_RS,
    SCONV_DFT_NOMASK_RS_PW,
    replace(SCONV_DFT_NOMASK_RS_PW, name="int8-sconv-dft-nomask-rs-pw-pos-opt", position_tables=True),
    GraphRecipe("pw-int8-matmul", quantise="dynamic", pointwise_to_matmul=True),
    GraphRecipe("pw-int8-matmul-pc", quantise="dynamic", pointwise_to_matmul=True, per_channel=True),
    GraphRecipe("qdq-static", quantise="static"),
    GraphRecipe("pw-qdq-static", quantise="static", pointwise_to_matmul=True),
)
QUICK_GRAPHS = ("fp32", "opt-extended", "int8-matmul", "int8-sconv-dft-nomask-rs-pw-pos-opt")
# The main int8 graphs: also timed below the top thread count and with shorter chunks.
MAIN_INT8 = (
    "int8-matmul",
    "int8-matmul-opt",
    "int8-matmul-ort",
    "int8-sconv-opt",
    "int8-sconv-dft-opt",
    "int8-sconv-dft-nomask-opt",
    "int8-sconv-dft-nomask-rs-opt",
    "int8-sconv-dft-nomask-rs-pw-opt",
    "int8-sconv-dft-nomask-rs-pw-pos-opt",
)
# Also timed below the top thread count:
FEW_THREADS = ("fp32", *MAIN_INT8, "pw-int8-matmul", "qdq-static")
TUNED = ("fp32", "int8-matmul")  # also timed with each non-default session option
# Also timed at the largest thread count with shorter chunks (attention's memory grows with the square).
CHUNKED = MAIN_INT8
CHUNKS_S = (20.0, 15.0)


def graph_session(graph: GraphRecipe, session: SessionRecipe) -> SessionRecipe:
    """Offline-optimised graphs are loaded with optimisation off: the work is done already."""
    return replace(session, graph_optimization_level="disable") if graph.optimise else session


def grid(*, quick: bool, threads: tuple[int, ...] = (1, 2)) -> list[Variant]:
    """Every graph at the default session and the largest thread count; the main graphs at every thread
    count (for the memory sizes with fewer vCPUs); session options on fp32 and int8 at the largest.

    Quick: the quick graphs at the largest thread count, fp32 at each, fp32 without spinning, and int8
    with 15 s chunks."""
    top = max(threads)
    if quick:
        graphs = [g for g in GRAPHS if g.name in QUICK_GRAPHS]
        variants = [Variant(FP32, SessionRecipe(threads=t)) for t in threads]
        variants += [Variant(g, graph_session(g, SessionRecipe(threads=top))) for g in graphs]
        variants.append(Variant(FP32, SessionRecipe(threads=top, allow_spinning=False)))
        int8 = next(g for g in GRAPHS if g.name == "int8-matmul")
        variants.append(Variant(int8, SessionRecipe(threads=top), chunk_s=min(CHUNKS_S)))
        return list(dict.fromkeys(variants))
    variants = [Variant(g, graph_session(g, SessionRecipe(threads=top))) for g in GRAPHS]
    few = [g for g in GRAPHS if g.name in FEW_THREADS]
    variants += [Variant(g, graph_session(g, SessionRecipe(threads=t))) for t in threads for g in few]
    options = [
        SessionRecipe(threads=top, allow_spinning=False),
        SessionRecipe(threads=top, graph_optimization_level="extended"),
        SessionRecipe(threads=top, enable_cpu_mem_arena=False),
        SessionRecipe(threads=top, enable_cpu_mem_arena=False, enable_mem_pattern=False),
    ]
    tuned = [g for g in GRAPHS if g.name in TUNED]
    variants += [Variant(g, graph_session(g, s)) for g in tuned for s in options]
    chunked = [g for g in GRAPHS if g.name in CHUNKED]
    top_session = SessionRecipe(threads=top)
    variants += [Variant(g, graph_session(g, top_session), chunk_s=c) for g in chunked for c in CHUNKS_S]
    return list(dict.fromkeys(variants))
