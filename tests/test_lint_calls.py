"""The call graph a batch runs (calls.py, dispatch.py): which functions of the file a call may
run when the code picks its step, hook or callback through a value, a base class or a runner,
and the rules that gain from it. Each rule case is a buggy form and its clean twin that differ
only by the fix; the step body is the same for every way of calling it."""

from __future__ import annotations

import ast
import textwrap

import pytest

import torchvitals.lint.engine as engine
from torchvitals.lint import lint_source
from torchvitals.lint.calls import instance_class, resolve
from torchvitals.lint.dispatch import alternatives, callers, may_effects, must_effects
from torchvitals.lint.engine import build


def _ctx(src: str):
    src = textwrap.dedent(src)
    return build("<t>", src, ast.parse(src))


def _call(ctx, text: str) -> ast.Call:
    return next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Call) and ast.unparse(n) == text)


# ---- the resolution itself ---------------------------------------------------------------------

DEFS = """
import functools
def fit_step(batch, net=None):
    pass
def score_step(batch, net=None):
    pass
"""

ONE = [  # (source after DEFS, the call): runs fit_step and nothing else
    ("run = fit_step\nrun(b)", "run(b)"),
    ("run = functools.partial(fit_step, net=m)\nrun(b)", "run(b)"),
    ("TABLE = {'fit': lambda x: fit_step(x, m), 'score': score_step}\nTABLE['fit'](b)", "TABLE['fit'](b)"),
    ("TABLE = {'fit': fit_step, 'score': score_step}\nmode = 'fit'\nTABLE[mode](b)", "TABLE[mode](b)"),
    ("FAST = True\nrun = fit_step if FAST else score_step\nrun(b)", "run(b)"),
    ("def loop(fn):\n    fn(b)\nloop(fit_step)\nloop(fn=fit_step)", "fn(b)"),
]
SEVERAL = [  # either function may run: resolve proves nothing, alternatives lists both
    ("import sys\nrun = fit_step if sys.argv[1:] else score_step\nrun(b)", "run(b)"),
    ("TABLE = {'fit': fit_step, 'score': score_step}\ndef go(mode):\n    TABLE[mode](b)", "TABLE[mode](b)"),
    ("def loop(fn):\n    fn(b)\nloop(fit_step)\nloop(score_step)", "fn(b)"),
]
NONE = [  # the file does not show every value: nothing
    ("import sys\nrun = fit_step if sys.argv[1:] else print\nrun(b)", "run(b)"),
    ("def loop(fn):\n    fn(b)\nloop(fit_step)\nloop(lambda x: x)", "fn(b)"),
    ("TABLE = {'fit': fit_step, **EXTRA}\nTABLE['fit'](b)", "TABLE['fit'](b)"),
    ("run = fit_step\nrun = make()\nrun(b)", "run(b)"),
]


@pytest.mark.parametrize(("src", "call"), ONE)
def test_a_value_that_can_only_be_one_function_resolves_to_it(src, call):
    ctx = _ctx(DEFS + src)
    t = resolve(ctx, _call(ctx, call))
    assert t is not None and t.fn.name == "fit_step"


@pytest.mark.parametrize(("src", "call"), SEVERAL)
def test_a_value_that_may_be_either_function_lists_both_and_proves_neither(src, call):
    ctx = _ctx(DEFS + src)
    c = _call(ctx, call)
    assert resolve(ctx, c) is None
    assert sorted(t.fn.name for t in alternatives(ctx, c)) == ["fit_step", "score_step"]


@pytest.mark.parametrize(("src", "call"), NONE)
def test_a_value_the_file_does_not_show_resolves_to_nothing(src, call):
    ctx = _ctx(DEFS + src)
    c = _call(ctx, call)
    assert resolve(ctx, c) is None and alternatives(ctx, c) == []


def test_partial_and_lambda_bind_the_callers_names():
    ctx = _ctx(DEFS + "run = functools.partial(fit_step, net=model)\nrun(xb)\n")
    t = resolve(ctx, _call(ctx, "run(xb)"))
    assert dict(t.params) == {"net": "model", "batch": "xb"}
    ctx = _ctx(DEFS + "T = {'a': lambda x: fit_step(x, model)}\nT['a'](xb)\n")
    assert dict(resolve(ctx, _call(ctx, "T['a'](xb)")).params) == {"batch": "xb", "net": "model"}


def test_super_runs_the_base_method_of_this_file_and_not_one_from_elsewhere():
    src = """
    import torch
    class Base:
        def step(self, b):
            pass
    class Child(Base):
        def step(self, b):
            super().step(b)
    class Net(torch.nn.Module):
        def train(self, mode=True):
            return super().train(mode)
    """
    ctx = _ctx(src)
    t = resolve(ctx, _call(ctx, "super().step(b)"))
    assert t is not None and t.fn.name == "step" and ctx.parent[t.fn].name == "Base" and t.self_key == "self"
    assert resolve(ctx, _call(ctx, "super().train(mode)")) is None


def test_a_template_method_runs_the_subclass_the_file_builds():
    src = """
    class Base:
        def fit(self, b):
            self.training_step(b)
    class A(Base):
        def training_step(self, b): pass
    class B(Base):
        def training_step(self, b): pass
    class C(Base):
        def training_step(self, b): pass
    A().fit(1)
    {more}
    """
    ctx = _ctx(src.format(more=""))
    t = resolve(ctx, _call(ctx, "self.training_step(b)"))
    assert t is not None and ctx.parent[t.fn].name == "A"
    ctx = _ctx(src.format(more="B().fit(2)"))
    c = _call(ctx, "self.training_step(b)")
    assert resolve(ctx, c) is None and sorted(ctx.parent[t.fn].name for t in alternatives(ctx, c)) == ["A", "B"]


def test_a_callable_held_by_an_attribute_of_self():
    src = """
    import sys
    def plain(b): pass
    class Trainer:
        def __init__(self, amp, hook=plain):
            self.step_fn = self.amp_step if amp else self.fp32_step
            self.hook = hook
            self.loss_fn = Loss()
        def amp_step(self, b): pass
        def fp32_step(self, b): pass
        def fit(self, b):
            self.step_fn(b)
            self.hook(b)
            self.loss_fn(b)
    Trainer(len(sys.argv) > 1).fit(1)
    """
    ctx = _ctx(src)
    assert sorted(t.fn.name for t in alternatives(ctx, _call(ctx, "self.step_fn(b)"))) == ["amp_step", "fp32_step"]
    assert resolve(ctx, _call(ctx, "self.hook(b)")).fn.name == "plain"  # the default: no call passes it
    assert alternatives(ctx, _call(ctx, "self.loss_fn(b)")) == []
    ctx = _ctx(src.replace("(len(sys.argv) > 1)", "(True, hook=print)"))
    assert resolve(ctx, _call(ctx, "self.hook(b)")) is None  # a call passes something else
    assert resolve(ctx, _call(ctx, "self.step_fn(b)")).fn.name == "amp_step"
    ctx = _ctx(src.rstrip() + "\n    class Other:\n        def __init__(self):\n            self.hook = print\n")
    assert resolve(ctx, _call(ctx, "self.hook(b)")) is None  # another class's self.hook: not proven which


def test_getattr_with_an_fstring_runs_the_methods_its_fixed_parts_fit():
    src = """
    class Runner:
        def on_batch(self): pass
        def on_epoch(self): pass
        def save(self): pass
        def fire(self, event):
            getattr(self, f"on_{event}")()
    """
    ctx = _ctx(src)
    assert sorted(t.fn.name for t in alternatives(ctx, _call(ctx, "getattr(self, f'on_{event}')()"))) == ["on_batch", "on_epoch"]


def test_a_factory_returning_one_class_of_the_file_types_its_result():
    src = """
    class Trainer:
        def run_batch(self, b): pass
    def build_trainer(cfg):
        t = Trainer()
        return t
    def build_other(cfg):
        return Trainer() if cfg else None
    trainer = build_trainer({})
    other = build_other({})
    trainer.run_batch(1)
    """
    ctx = _ctx(src)
    assert instance_class(ctx, "trainer", ctx.tree) == "Trainer"
    assert instance_class(ctx, "other", ctx.tree) is None
    assert resolve(ctx, _call(ctx, "trainer.run_batch(1)")).fn.name == "run_batch"


def test_must_and_may_effects_are_kept_apart():
    """Two step functions, only one clears: clearing may happen but is not certain; both step."""
    src = """
    import sys, torch
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    def careful(loss):
        opt.zero_grad()
        loss.backward()
        opt.step()
    def careless(loss):
        loss.backward()
        opt.step()
    run = careful if sys.argv[1:] else careless
    run(l)
    """
    ctx = _ctx(src)
    alts = alternatives(ctx, _call(ctx, "run(l)"))
    must, may = must_effects(ctx, alts), may_effects(ctx, alts)
    assert may.clears and not must.clears
    assert must.steps == may.steps == {"opt"} and must.backward


def test_a_hook_class_the_file_never_builds_does_not_call_anything():
    src = """
    class Used:
        def after_iter(self, r): pass
    class Unused:
        def after_iter(self, r): pass
    class Runner:
        def __init__(self):
            self.hooks = [Used()]
        def fit(self, loader):
            for b in loader:
                for h in self.hooks:
                    h.after_iter(self)
    """
    ctx = _ctx(src)
    cls = {c.name: c for c in ctx.classes}
    used, unused = (cls[name].body[0] for name in ("Used", "Unused"))
    assert [ast.unparse(c) for c, _ in callers(ctx, used)] == ["h.after_iter(self)"]
    assert callers(ctx, unused) == []


# ---- rules that gain: a buggy form and its clean twin per way of calling -----------------------

HEAD = """\
import functools
import torch
model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.1), torch.nn.Linear(4, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10)
scaler = torch.cuda.amp.GradScaler()
loader = [(torch.randn(8, 4), torch.randn(8, 1))] * 3
"""
STEP = "opt.zero_grad()\nloss = torch.nn.functional.mse_loss(model(x), y)\nloss.backward()\nopt.step()\n"
RULES = {  # code: (body buggy, body clean, loop buggy, loop clean or None); CALL: the dispatched call
    "TVL003": (STEP.replace("opt.zero_grad()\n", ""), STEP, "for x, y in loader:\n    CALL\n", None),
    "TVL004": (
        "model.eval()\nwith torch.no_grad():\n    print(model(x).mean())\n",
        "model.eval()\nwith torch.no_grad():\n    print(model(x).mean())\nmodel.train()\n",
        "for epoch in range(3):\n    for x, y in loader:\n" + textwrap.indent(STEP, " " * 8) + "    CALL\n", None,
    ),
    "TVL007": (
        STEP + "sched.step()\n", STEP, "for epoch in range(3):\n    for x, y in loader:\n        CALL\n",
        "for epoch in range(3):\n    for x, y in loader:\n        CALL\n    sched.step()\n",
    ),
    "TVL016": (  # the loop steps the scaler; the update is the dispatched function's job
        "print(loss.item())\n", "scaler.update()\n",
        "for x, y in loader:\n    opt.zero_grad()\n    with torch.autocast('cuda'):\n        loss = torch.nn.functional.mse_loss(model(x), y)\n"
        "    scaler.scale(loss).backward()\n    scaler.step(opt)\n    CALL\n", None,
    ),
}
FORMS = {  # (definitions: {B} the body, {LOOP} the loop when it lives in a function; the call)
    "helper": ("def step(x, y):\n{B4}{LOOP0}", "step(x, y)"),
    "base_method": ("class Base:\n    def step(self, x, y):\n{B8}class T(Base):\n    def fit(self):\n{LOOP8}T().fit()\n", "self.step(x, y)"),
    "template_method": ("class Base:\n    def fit(self):\n{LOOP8}class T(Base):\n    def step(self, x, y):\n{B8}T().fit()\n", "self.step(x, y)"),
    "one_of_two_subclasses_built": ("class Base:\n    def fit(self):\n{LOOP8}class T(Base):\n    def step(self, x, y):\n{B8}"
                                    "class Other(Base):\n    def step(self, x, y):\n        print(x)\nT().fit()\n", "self.step(x, y)"),
    "super": ("class Base:\n    def step(self, x, y):\n{B8}class T(Base):\n    def step(self, x, y):\n        super().step(x, y)\n"
              "    def fit(self):\n{LOOP8}T().fit()\n", "self.step(x, y)"),
    "mixin": ("class StepMixin:\n    def step(self, x, y):\n{B8}class Base:\n    pass\nclass T(StepMixin, Base):\n    def fit(self):\n{LOOP8}T().fit()\n",
              "self.step(x, y)"),
    "callback_list": ("class Cb:\n    def on_batch(self, x, y):\n{B8}class Runner:\n    def __init__(self, callbacks):\n        self.callbacks = callbacks\n"
                      "    def fire(self, x, y):\n        for cb in self.callbacks:\n            cb.on_batch(x, y)\n    def fit(self):\n{LOOP8}Runner([Cb()]).fit()\n",
                      "self.fire(x, y)"),
    "callbacks_by_keyword": ("class Cb:\n    def on_batch(self, x, y):\n{B8}class Runner:\n    def __init__(self, callbacks=()):\n"
                             "        self.callbacks = list(callbacks)\n    def fit(self):\n{LOOP8}Runner(callbacks=[Cb()]).fit()\n",
                             "[cb.on_batch(x, y) for cb in self.callbacks]"),
    "call_hook": ("class Hook:\n    def after_iter(self, x, y):\n{B8}class Runner:\n    def __init__(self):\n        self.hooks = [Hook()]\n"
                  "    def call_hook(self, name, x, y):\n        for h in self.hooks:\n            getattr(h, name)(x, y)\n    def fit(self):\n{LOOP8}Runner().fit()\n",
                  "self.call_hook('after_iter', x, y)"),
    "getattr_fstring": ("class Runner:\n    def on_batch(self, x, y):\n{B8}    def fire(self, event, x, y):\n        getattr(self, f'on_{event}')(x, y)\n"
                        "    def fit(self):\n{LOOP8}Runner().fit()\n", "self.fire('batch', x, y)"),
    "bound_method_attribute": ("class T:\n    def __init__(self, amp=False):\n        self.step_fn = self.train_step\n    def train_step(self, x, y):\n{B8}"
                               "    def fit(self):\n{LOOP8}T().fit()\n", "self.step_fn(x, y)"),
    "getattr_into_local": ("class T:\n    def train_step(self, x, y):\n{B8}    def fit(self, mode='train'):\n        step = getattr(self, f'{mode}_step')\n"
                           "{LOOP8}T().fit()\n", "step(x, y)"),
    "function_given_to_init": ("def train_step(x, y):\n{B4}class T:\n    def __init__(self, step_fn=train_step):\n        self.step_fn = step_fn\n"
                               "    def fit(self):\n{LOOP8}T().fit()\n", "self.step_fn(x, y)"),
    "dict_by_mode": ("def train_step(x, y):\n{B4}def other_step(x, y):\n    return model(x)\nSTEPS = {'train': train_step, 'other': other_step}\nmode = 'train'\n{LOOP0}",
                     "STEPS[mode](x, y)"),
    "conditional": ("def train_step(x, y):\n{B4}def other_step(x, y):\n    return model(x)\nFIRST = True\nfn = train_step if FIRST else other_step\n{LOOP0}", "fn(x, y)"),
    "partial": ("def train_step(x, y, net):\n{B4}fn = functools.partial(train_step, net=model)\n{LOOP0}", "fn(x, y)"),
    "lambda_in_dict": ("def train_step(x, y):\n{B4}STEPS = {'train': lambda a, b: train_step(a, b)}\n{LOOP0}", "STEPS['train'](x, y)"),
    "passed_function": ("def train_step(x, y):\n{B4}def run(step_fn):\n{LOOP4}run(train_step)\n", "step_fn(x, y)"),
    "object_in_init": ("class Engine:\n    def run_batch(self, x, y):\n{B8}class Trainer:\n    def __init__(self):\n        self.engine = Engine()\n"
                       "    def fit(self):\n{LOOP8}Trainer().fit()\n", "self.engine.run_batch(x, y)"),
    "factory": ("class Trainer:\n    def run_batch(self, x, y):\n{B8}def build_trainer(cfg):\n    return Trainer()\ntrainer = build_trainer({})\n{LOOP0}",
                "trainer.run_batch(x, y)"),
}


def _source(form: str, body: str, loop: str) -> str:
    defs, call = FORMS[form]
    loop = loop.replace("CALL", call)
    for n in (0, 4, 8):
        defs = defs.replace(f"{{B{n}}}", textwrap.indent(body, " " * n)).replace(f"{{LOOP{n}}}", textwrap.indent(loop, " " * n))
    return HEAD + defs


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("code", RULES)
def test_each_dispatch_form_carries_the_bug_and_its_fix(code, form, monkeypatch):
    monkeypatch.setattr(engine, "STRICT", False)
    buggy_body, clean_body, loop, clean_loop = RULES[code]
    buggy, clean = _source(form, buggy_body, loop), _source(form, clean_body, clean_loop or loop)
    assert code in {f.code for f in lint_source(buggy)}
    assert code not in {f.code for f in lint_source(clean)}


def test_a_per_batch_hook_of_a_class_never_built_is_not_judged(monkeypatch):
    """The hook that steps an epoch schedule exists, but the runner is only given another hook."""
    monkeypatch.setattr(engine, "STRICT", False)
    src = _source("call_hook", RULES["TVL007"][0], RULES["TVL007"][2])
    assert "TVL007" in {f.code for f in lint_source(src)}
    unused = src.replace("self.hooks = [Hook()]", "self.hooks = [Logger()]") + "class Logger:\n    def after_iter(self, x, y):\n        print(x)\n"
    assert "TVL007" not in {f.code for f in lint_source(unused)}


MSE = "torch.nn.functional.mse_loss"
VALUE_RULES = {  # the dispatched step's returned value reaches the caller's loop
    "TVL001": (f"with torch.no_grad():\n    out = model(x)\nreturn {MSE}(out, y)\n", f"out = model(x)\nreturn {MSE}(out, y)\n",
               "for x, y in loader:\n    opt.zero_grad()\n    loss = CALL\n    loss.backward()\n    opt.step()\n"),
    "TVL012": (STEP + "return loss\n", STEP + "return loss.item()\n", "total = 0.0\nfor x, y in loader:\n    total += CALL\nprint(total)\n"),
}


@pytest.mark.parametrize("form", ["dict_by_mode", "conditional", "partial", "lambda_in_dict", "passed_function", "factory"])
@pytest.mark.parametrize("code", VALUE_RULES)
def test_a_value_returned_by_a_dispatched_step_is_followed(code, form, monkeypatch):
    monkeypatch.setattr(engine, "STRICT", False)
    buggy_body, clean_body, loop = VALUE_RULES[code]
    assert code in {f.code for f in lint_source(_source(form, buggy_body, loop))}
    assert code not in {f.code for f in lint_source(_source(form, clean_body, loop))}


@pytest.mark.parametrize(("quick", "full", "reported"), [("", "", True), ("", "model.train()", False), ("model.train()", "model.train()", False)])
def test_eval_left_on_by_one_of_two_validation_functions_needs_every_one_to_switch(quick, full, reported, monkeypatch):
    """`validate` is one of two functions (the file does not say which): eval() certain only when
    both switch, and reported only when neither switches back (one may: not "nothing" does)."""
    monkeypatch.setattr(engine, "STRICT", False)
    src = HEAD + textwrap.dedent(f"""\
        import sys
        def quick_val(x):
            model.eval()
            print(model(x).sum())
            {quick}
        def full_val(x):
            model.eval()
            print(model(x).mean())
            {full}
        validate = quick_val if len(sys.argv) > 1 else full_val
        for epoch in range(3):
            for x, y in loader:
        """) + textwrap.indent(STEP, " " * 8) + "    validate(x)\n"
    assert ("TVL004" in {f.code for f in lint_source(src)}) is reported


@pytest.mark.parametrize(("amp_clears", "plain_clears", "reported"), [(False, False, True), (True, False, False), (True, True, False)])
def test_a_step_picked_from_two_is_judged_on_what_both_do(amp_clears, plain_clears, reported, monkeypatch):
    """TVL003 through `step = amp_step if ... else plain_step`: both backpropagate and step (certain),
    reported only when neither clears (the message says the loop never clears)."""
    monkeypatch.setattr(engine, "STRICT", False)
    bodies = [STEP if clears else STEP.replace("opt.zero_grad()\n", "") for clears in (amp_clears, plain_clears)]
    src = (HEAD + "import sys\ndef amp_step(x, y):\n" + textwrap.indent(bodies[0], "    ") + "def plain_step(x, y):\n"
           + textwrap.indent(bodies[1], "    ") + "step = amp_step if sys.argv[1:] else plain_step\nfor x, y in loader:\n    step(x, y)\n")
    assert ("TVL003" in {f.code for f in lint_source(src)}) is reported


def test_a_name_a_loop_rebinds_is_not_the_function_assigned_elsewhere():
    src = """
    def fit_step(b): pass
    fn = fit_step
    def run(hooks, b):
        for fn in hooks:
            fn(b)
    """
    ctx = _ctx(src)
    assert resolve(ctx, _call(ctx, "fn(b)")) is None and alternatives(ctx, _call(ctx, "fn(b)")) == []
