"""Parse a file once, gather in one walk the facts every lint rule needs, run the rules.

The facts are light data flow, by name: which names hold a model, an optimizer (and which
models it updates), a scheduler, a GradScaler, a loss object; which names are frozen; where
`.backward()` is called. Names are dotted strings (`model`, `self.encoder`), so facts gathered
in `__init__` are seen in `training_step`. Nothing here imports or runs the user's code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from torchvitals.findings import Finding
from torchvitals.lint import syntax
from torchvitals.lint.syntax import (  # noqa: F401  (re-exported to the rules)
    LOOPS,
    NESTED,
    NOGRAD_CALLS,
    SCOPES,
    arg,
    block,
    callee,
    children,
    dotted,
    is_const,
    is_nograd_with,
    kwarg,
    last,
    method,
    passed,
    receiver,
    targets_of,
    walk,
    walk_scope,
)
from torchvitals.rules.base import Rule, document

# A file in which none of these patterns occurs cannot trigger a rule: it is not even parsed.
# This is what makes linting a large tree fast (most of torch's own files are skipped here).
# Each entry: the words some rule needs, all of which must occur.
TRIGGERS = [
    [r"\.backward\(|_backward\(|training_step|def compute_loss\("],  # training-loop rules
    [r"\.forward\("],  # TVL013
    [r"torch\.load\(", r"args|argv|environ|getenv|cfg|config|opt|flags|FLAGS|hparams|input\(|typer|fire|hydra|click"],  # TVL014
    [r"DataLoader\("],  # TVL015
    [r"partial\(\s*(?:\w+\.)*DataLoader\b"],  # TVL015 through a functools.partial(DataLoader, ...) factory
    # TVL010: `attn_mask|padding_mask|\bmask=`, written to start with a literal, which `re` scans
    # for ~40x faster (1.3 s -> 0.03 s over torch's source)
    [r"mask(?:(?<=attn_mask)|(?<=padding_mask)|(?<=\bmask)=)", r"triu|tril|!=|attention_mask|PAD|pad_id|pad_idx|lens\b|lengths|arange"],
    [r"softmax|sigmoid|Softmax|Sigmoid", r"cross_entropy|nll_loss|kl_div|Loss\("],  # TVL008
    [r"Linear\(", r"mse_loss|l1_loss|huber_loss|MSELoss|L1Loss|HuberLoss"],  # TVL009 shapes
    [r"oss", r"cross_entropy|nll_loss|CrossEntropyLoss|NLLLoss",  # TVL009 dtypes (literal first)
     r"\.(float|double|half)\(\)|dtype=|torch\.(float|double|half)|torch\.randn?\(|FloatTensor|torch\.Tensor\("],
    [r"parameters\(\)", r"\b(SGD|Adam\w*|RMSprop|Adagrad|Adadelta|LBFGS|Lion|optim\.\w+)\("],  # TVL006
    [  # TVL005
        r"Module",
        r"self\.\w+\s*=\s*[\[{][^\n]*\b[A-Z]\w*\(|self\.\w+\.append\(\s*(nn\.)?[A-Z]"
        r"|self\.\w+\s*=\s*[\[{]\s*\n[^\n]*\b[A-Z]\w*\("  # a literal spread over lines
        r"|self\.\w+\s*=[^\n]*torch\.\w+\([^\n]*requires_grad(?:=True|_\()"
        r"|self\.\w+\s*=\s*\[\s*(?:self\.)?\w+\([^\n]*\bfor\b"  # a comprehension of calls (a builder's modules)
        r"|return\s*[\[{][^\n]*\bnn\.[A-Z]\w*\("  # a builder returning a plain container of nn modules
        r"|return\s*[\[{][^\n]*\]\([^\n]*\bfor\b"  # ... built through a registry (`{k: REG[t](c) for ...}`)
        r"|return\s[^\n]*requires_grad(?:\s*=\s*True|_\()",  # a helper returning a tensor meant to learn
    ],
    # TVL005 through a builder filling a plain list (`stages.append(nn.X(...))`): a literal
    # first, which `re` scans for fast (check_unregistered reads the last four groups)
    [r"Module", r"\.append\(\s*nn\.[A-Z]"],
    [r"Module", r"\]\s*=\s*nn\.[A-Z]"],  # a dict filled key by key (`heads[task] = nn.X(...)`)
    # TVL005: a plain tensor attribute given a weight initialiser (kept last, read by check_unregistered)
    [r"init\.\w+_\(\s*self\.\w+", r"self\.\w+\s*=\s*torch\.(?:empty|zeros|ones|randn|rand|full|normal|eye|tensor)\(", r"Module"],
]
TRIGGERS_RE = [[re.compile(p) for p in group] for group in TRIGGERS]


def might_match(text: str) -> bool:
    """False when no rule can fire on this text (so it need not be parsed)."""
    return any(all(p.search(text) for p in group) for group in TRIGGERS_RE)


OPTIMIZER_CLASSES = {
    "SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "RMSprop", "Rprop", "NAdam",
    "RAdam", "LBFGS", "SparseAdam", "ASGD", "Lion", "Adafactor", "Lamb", "LAMB", "FusedAdam",
    "AdamW8bit", "Adam8bit", "Muon",
}  # fmt: skip
SCHEDULER_CLASSES = {
    "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau",
    "CyclicLR", "OneCycleLR", "CosineAnnealingWarmRestarts", "LambdaLR", "MultiplicativeLR",
    "LinearLR", "ConstantLR", "PolynomialLR", "SequentialLR", "ChainedScheduler",
}  # fmt: skip
LOSS_CLASSES = {
    "CrossEntropyLoss", "BCEWithLogitsLoss", "NLLLoss", "KLDivLoss", "BCELoss", "MSELoss",
    "L1Loss", "SmoothL1Loss", "HuberLoss",
}  # fmt: skip
# Calls on a model that are not a forward pass.
NOT_FORWARD = {
    "parameters", "named_parameters", "state_dict", "load_state_dict", "train", "eval", "to",
    "cuda", "cpu", "zero_grad", "modules", "children", "apply", "requires_grad_", "half",
    "float", "double", "buffers", "named_modules", "register_buffer", "register_forward_hook",
    # tensor methods: `self.queue.clone()` reads a buffer, no module runs
    "clone", "contiguous", "view", "reshape", "expand", "permute", "transpose", "t", "size",
    "type_as", "unsqueeze", "squeeze", "flatten", "mm", "matmul", "new_zeros", "new_ones",
}  # fmt: skip

# Classes whose instances' `.backward(loss)` backpropagates the loss they are given.
BACKWARD_RUNNERS = {"Accelerator", "Fabric"}

_OPT_NAME = re.compile(r"(^|_)(opt|optim|optimizer|optimiser)s?($|_|[A-Z0-9])|^opt[A-Z0-9_]|optim")
_SCHED_NAME = re.compile(r"sched|lr_decay|warmup")
_SCALER_NAME = re.compile(r"scaler")


@dataclass
class Context:
    """One parsed file and the facts gathered from it."""

    path: str
    text: str
    tree: ast.Module
    parent: dict[ast.AST, ast.AST] = field(default_factory=dict)
    calls: list[ast.Call] = field(default_factory=list)
    assigns: list[ast.AST] = field(default_factory=list)
    classes: list[ast.ClassDef] = field(default_factory=list)
    values: dict[str, list[ast.expr]] = field(default_factory=dict)  # name -> assigned values
    optimizers: dict[str, set[str]] = field(default_factory=dict)  # name -> models it updates
    schedulers: dict[str, str] = field(default_factory=dict)  # name -> scheduler class
    scalers: set[str] = field(default_factory=set)
    losses: dict[str, str] = field(default_factory=dict)  # name -> loss class
    modules: dict[str, str] = field(default_factory=dict)  # name -> module constructor
    module_classes: set[str] = field(default_factory=set)
    frozen: set[str] = field(default_factory=set)
    trained: set[str] = field(default_factory=set)  # names with `.train()` called
    backwards: list[ast.Call] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Answers rules look up again and again (an index of functions by name, a name's bindings at
    # module level), computed once per file: what keeps lint time linear in the file's size.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    _direct_memo: dict[int, tuple[ast.AST, frozenset[str], tuple[str, ...]]] = field(default_factory=dict, repr=False)
    _names_memo: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict, repr=False)

    # ---- the one walk -------------------------------------------------------------------

    def gather(self) -> None:
        todo: list[ast.AST] = [self.tree]
        parent = self.parent
        while todo:
            node = todo.pop()
            for child in children(node):
                parent[child] = node
                todo.append(child)
            if isinstance(node, ast.Call):
                self.calls.append(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
                self.assigns.append(node)
            elif isinstance(node, ast.ClassDef):
                self.classes.append(node)
        self._module_classes()
        bound: list[tuple[str, ast.expr]] = []
        for a in self.assigns:
            value = getattr(a, "value", None)
            if value is not None:
                for t, v in _pairs(a, value):
                    self.values.setdefault(t, []).append(v)
                    bound.append((t, v))
        # Classified once every value is known: which models an optimizer updates may be
        # assigned anywhere in the file, not only before it in the order of this walk.
        for t, value in bound:
            if isinstance(value, ast.Call):
                self._classify(t, value)
        for c in self.calls:
            self._call_fact(c)

    def _module_classes(self) -> None:
        bases = {c.name: [last(dotted(b)) for b in c.bases] for c in self.classes}
        known = {"Module", "LightningModule", "Sequential", "ModuleList", "ModuleDict"}
        changed = True
        while changed:
            changed = False
            for name, bs in bases.items():
                if name not in self.module_classes and any(b in known or b in self.module_classes for b in bs):
                    self.module_classes.add(name)
                    changed = True

    def _classify(self, target: str, value: ast.Call) -> None:
        # `Net().to(device)`, `Net().cuda().eval()`: the module the chain starts from.
        while method(value) in _MOVES and isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Call):
            value = value.func.value
        name = callee(value)
        cls = last(name)
        if cls in SCHEDULER_CLASSES or "lr_scheduler" in name:
            self.schedulers[target] = cls
        elif cls in OPTIMIZER_CLASSES or (name.startswith(("torch.optim.", "optim.")) and cls[:1].isupper() and "swa" not in name):
            self.optimizers[target] = self.models_in(value)
        elif cls == "GradScaler":
            self.scalers.add(target)
        elif cls in LOSS_CLASSES:
            self.losses[target] = cls
        elif self.is_module_ctor(value):
            self.modules[target] = cls

    def _call_fact(self, c: ast.Call) -> None:
        m, recv = method(c), receiver(c)
        if m == "backward" or last(callee(c)) == "manual_backward":
            self.backwards.append(c)
        elif m == "requires_grad_" and c.args and is_const(c.args[0], False) and recv:
            self.frozen.add(recv)
        elif m == "train" and recv and not (c.args and is_const(c.args[0], False)):
            self.trained.add(recv)

    def note_frozen_loops(self) -> None:
        """`for p in model.backbone.parameters(): p.requires_grad = False` freezes it."""
        for a in self.assigns:
            if not (isinstance(a, ast.Assign) and is_const(a.value, False)):
                continue
            if not any(isinstance(t, ast.Attribute) and t.attr == "requires_grad" for t in a.targets):
                continue
            node = self.parent.get(a)
            while node is not None and not isinstance(node, (ast.For, *SCOPES)):
                node = self.parent.get(node)
            if isinstance(node, ast.For) and isinstance(node.iter, ast.Call):
                key = _frozen_source(node, a)
                if key:
                    self.frozen.add(key)

    # ---- questions rules ask -------------------------------------------------------------

    def is_module_ctor(self, call: ast.Call) -> bool:
        """`nn.Linear(...)`, `torch.nn.Conv2d(...)`, or a module class defined in this file."""
        name = callee(call)
        cls = last(name)
        if cls in self.module_classes:
            return True
        if name.startswith(("nn.", "torch.nn.")) and cls[:1].isupper():
            return not cls.startswith("Parameter") and "." not in name.removeprefix("torch.").removeprefix("nn.")
        return False

    def models_in(self, expr: ast.AST, depth: int = 0) -> set[str]:
        """Receivers of `.parameters()` in an optimizer's arguments, following the names in it
        to every value assigned to them, two names deep.

        Linear in the file: each expression is walked once (`_direct`) and each name's values
        are gathered once per depth (`_name_models`), however many optimizers ask. (Walking
        every value of every name for every optimizer made a file holding n training scripts
        cost n^3.) Following a value back to itself adds nothing: what a value yields one name
        deeper is a subset of what it yields here."""
        receivers, names = self._direct(expr)
        if depth >= 2:
            return set(receivers)
        out = set(receivers)
        for name in names:
            out |= self._name_models(name, depth + 1)
        return out

    def _direct(self, expr: ast.AST) -> tuple[frozenset[str], tuple[str, ...]]:
        """(receivers of `.parameters()` calls in `expr`, names read in it), walked once."""
        hit = self._direct_memo.get(id(expr))
        if hit is not None and hit[0] is expr:
            return hit[1], hit[2]
        receivers: set[str] = set()
        names: dict[str, None] = {}
        for n in walk(expr):
            if isinstance(n, ast.Call) and method(n) in ("parameters", "named_parameters"):
                key = receiver(n)
                if key:
                    receivers.add(key)
            elif isinstance(n, ast.Name):
                names[n.id] = None
        self._direct_memo[id(expr)] = (expr, frozenset(receivers), tuple(names))
        return frozenset(receivers), tuple(names)

    def _name_models(self, name: str, depth: int) -> frozenset[str]:
        """models_in over every value assigned to `name`, at `depth` (memoised)."""
        key = (name, depth)
        hit = self._names_memo.get(key)
        if hit is None:
            out: set[str] = set()
            for v in self.values.get(name, []):
                out |= self.models_in(v, depth)
            hit = self._names_memo[key] = frozenset(out)
        return hit

    def assigns_in(self, scope: ast.AST) -> dict[str, list[ast.AST]]:
        """The assignments in a function or module (not in defs nested in it), by the names
        they write, in the order walk_scope meets them; built once per scope, so rules that
        follow a name to its value do not walk the whole scope for every name."""
        memo = self.memo.setdefault("assigns_in", {})
        hit = memo.get(id(scope))
        if hit is not None and hit[0] is scope:
            return hit[1]
        index: dict[str, list[ast.AST]] = {}
        for n in walk_scope(scope):
            if isinstance(n, ast.Assign):
                for t in targets_of(n):
                    found = index.setdefault(t, [])
                    if not found or found[-1] is not n:
                        found.append(n)
        memo[id(scope)] = (scope, index)
        return index

    def is_optimizer(self, key: str | None) -> bool:
        if not key or key in self.schedulers or key in self.scalers:
            return False
        return key in self.optimizers or bool(_OPT_NAME.search(last(key))) and not _SCHED_NAME.search(key.lower())

    def is_scheduler(self, key: str | None) -> bool:
        return bool(key) and (key in self.schedulers or bool(_SCHED_NAME.search(last(key).lower())))

    def is_scaler(self, key: str | None) -> bool:
        return bool(key) and (key in self.scalers or bool(_SCALER_NAME.search(last(key).lower())))

    def optimizer_step(self, call: ast.Call) -> str | None:
        """The optimizer a call steps (`opt.step()`, `scaler.step(opt)`), else None."""
        if method(call) != "step":
            return None
        recv = receiver(call)
        if self.is_scaler(recv) and call.args:
            return dotted(call.args[0]) or "<optimizer>"
        if self.is_optimizer(recv):
            return recv
        return None

    def scope_of(self, node: ast.AST) -> ast.AST:
        node = self.parent.get(node)
        while node is not None and not isinstance(node, SCOPES):
            node = self.parent.get(node)
        return node or self.tree

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        """Enclosing nodes up to (and including) the enclosing function or module."""
        node = self.parent.get(node)
        while node is not None:
            yield node
            if isinstance(node, SCOPES):
                return
            node = self.parent.get(node)

    def loops_around(self, node: ast.AST) -> list[ast.AST]:
        """Enclosing loops, innermost first, within the enclosing function."""
        return [a for a in self.ancestors(node) if isinstance(a, LOOPS)]

    def loss_expr(self, call: ast.Call) -> ast.expr | None:
        """What a backward call differentiates: `loss` in `loss.backward()`,
        `accelerator.backward(loss)`, `scaler.scale(loss).backward()`."""
        recv = call.func.value if isinstance(call.func, ast.Attribute) else None
        recv_name = last(dotted(recv)) if recv is not None else ""
        if method(call) == "manual_backward" or last(callee(call)) == "manual_backward":
            return call.args[0] if call.args else None
        if recv_name in ("accelerator", "fabric", "autograd", "engine", "model_engine"):
            return call.args[0] if call.args else None
        if call.args and recv is not None and self._backward_runner(dotted(recv), 0):
            return call.args[0]  # self.acc.backward(loss), self.acc built from Accelerator(...)
        return recv

    def _backward_runner(self, key: str | None, depth: int) -> bool:
        """`key` holds an object whose `.backward(loss)` backpropagates its argument: built by
        `Accelerator(...)`/`Fabric(...)`, or assigned (two names deep) from a name that is."""
        if not key or depth > 2:
            return False
        values = self.values.get(key, [])
        return bool(values) and all(
            (last(callee(v)) in BACKWARD_RUNNERS or self._backpropagates_argument(callee(v))) if isinstance(v, ast.Call)
            else isinstance(v, ast.Name) and self._backward_runner(v.id, depth + 1)
            for v in values
        )  # fmt: skip

    def _backpropagates_argument(self, cls_name: str) -> bool:
        """A class of this file whose `backward(self, loss)` calls `loss.backward(...)` (a
        hand-written accelerator shim): its instances' `.backward(x)` differentiates `x`."""
        for c in self.classes:
            for m in c.body if c.name == cls_name else ():
                if isinstance(m, ast.FunctionDef) and m.name == "backward" and len(m.args.args) >= 2:
                    arg = m.args.args[1].arg
                    if any(isinstance(n, ast.Call) and method(n) == "backward" and receiver(n) == arg for n in walk(m)):
                        return True
        return False

    def at(self, node: ast.AST) -> tuple[int, int]:
        return getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1

    def report(self, page: Rule, node: ast.AST, message: str, severity: str = "warning", **evidence: Any) -> None:
        line, col = self.at(node)
        ev = {"path": self.path, "line": line, "col": col, **evidence}
        self.findings.append(page.finding(severity, message, evidence=ev, where=[f"{self.path}:{line}:{col}"]))


def build(path: str, text: str, tree: ast.Module) -> Context:
    syntax.forget()  # what the walks remembered of the last file
    ctx = Context(path, text, tree)
    ctx.gather()
    ctx.note_frozen_loops()
    return ctx


_MOVES = {"to", "cuda", "cpu", "eval", "train", "float", "double", "half", "bfloat16", "to_empty"}

# Tests set this to see a rule's own crash instead of skipping the rule.
STRICT = False


RULE_ERROR = document(
    "TVL099",
    "lint-rule-error",
    what="A lint rule that failed on a file (a bug in torchvitals, not in your code).",
    why="The other rules still ran, but this one could not judge the file: say so rather than "
    "pass in silence.",
    example="(any file that makes a rule raise)",
    fix="Report it with the file (or a reduced snippet); meanwhile the rule's code can be ignored.",
)


def run_rules(ctx: Context, checks: list[Callable[[Context], None]]) -> list[Finding]:
    """Run every check; a crash in one check costs that check (reported), never the file."""
    for check in checks:
        try:
            check(ctx)
        except Exception as exc:  # a lint rule bug must not hide the other rules' findings
            if STRICT:
                raise
            ctx.findings.append(
                RULE_ERROR.finding(
                    "info",
                    f"lint rule {check.__name__} could not judge this file ({type(exc).__name__}: {exc})",
                    evidence={"path": ctx.path, "line": 1, "col": 0, "rule": check.__name__},
                    where=[f"{ctx.path}:1:0"],
                )
            )
    return ctx.findings


def _frozen_source(loop: ast.For, assign: ast.Assign) -> str | None:
    """The module whose parameters the loop's `p.requires_grad = False` freezes: `for p in
    m.parameters()`, or the matching element of `for p_q, p_k in zip(q.parameters(),
    k.parameters())` (MoCo's key encoder)."""
    it = loop.iter
    assert isinstance(it, ast.Call)
    if method(it) in ("parameters", "named_parameters"):
        return receiver(it)
    if callee(it) != "zip" or not isinstance(loop.target, ast.Tuple) or len(loop.target.elts) != len(it.args):
        return None
    frozen = {t.value.id for t in assign.targets if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)}
    for elt, src in zip(loop.target.elts, it.args, strict=True):
        if isinstance(elt, ast.Name) and elt.id in frozen and isinstance(src, ast.Call) and method(src) == "parameters":
            return receiver(src)
    return None


def _pairs(a: ast.AST, value: ast.expr) -> list[tuple[str, ast.expr]]:
    """(target, value) of an assignment; `self.attn, self.norm = Attn(d), nn.LayerNorm(d)` pairs
    element by element (other unpackings bind every target to the whole value)."""
    tgts = getattr(a, "targets", None)
    if tgts and len(tgts) == 1 and isinstance(tgts[0], ast.Tuple) and isinstance(value, ast.Tuple):
        elts, vals = tgts[0].elts, value.elts
        names = [dotted(e) for e in elts]
        if len(elts) == len(vals) and all(names) and not any(isinstance(x, ast.Starred) for x in vals):
            return [(d, v) for d, v in zip(names, vals, strict=True) if d]
    return [(t, value) for t in targets_of(a)]
