"""Reliability under hostile or careless input: crashes, sizes refused before anything is built, names
that reach outputs, files that are not regular files, numbers out of range, and what a run may delete."""

import re
import shutil
from pathlib import Path

import pytest

from derive.cli.main import main

README = Path(__file__).resolve().parents[1] / "README.md"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> bool:
    return "Traceback" not in err and len(err.strip().splitlines()) == 1 and err.startswith("derive: error:")


def readme_spec(kind: str) -> str:
    """The README's own example spec of this kind (a ```toml block)."""
    for block in re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        if f'kind = "{kind}"' in block:
            return block
    raise AssertionError(f"the README has no {kind} spec")


# --- 1. the README's CNN spec, with its flatten layer, renders in every format -----------------------

@pytest.mark.parametrize("fmt", ["md", "tex", "html", "pdf"])
def test_the_readme_cnn_spec_with_a_flatten_layer_renders(tmp_path, capsys, fmt):
    if fmt == "pdf" and not (shutil.which("pdflatex") or shutil.which("lualatex") or shutil.which("xelatex")):
        pytest.skip("no TeX engine")
    spec = tmp_path / "cnn.toml"
    text = readme_spec("cnn")
    assert '{type = "flatten"}' in text
    spec.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "doc", spec, "--format", fmt, "-o", tmp_path / f"cnn.{fmt}")
    assert code == 0, err
    assert (tmp_path / f"cnn.{fmt}").stat().st_size > 1000


def test_a_handout_of_the_readme_cnn_spec_is_written(tmp_path, capsys):
    spec = tmp_path / "cnn.toml"
    spec.write_text(readme_spec("cnn"), encoding="utf-8")
    code, _, err = run(capsys, "handout", spec, "-o", tmp_path / "sheets")
    assert code == 0, err
    assert (tmp_path / "sheets" / "cnn-1-exercise.md").is_file()


# --- 2. sizes are checked from the spec, before anything is built ------------------------------------

HUGE = {
    "wide": "layers = [2, 100000, 1]\n",
    "absurd": "layers = [2, 1000000000, 1]\n",
    "picture": 'kind = "cnn"\ninput = [1, 100000, 100000]\nlayers = [{type = "conv", maps = 1, kernel = 3}, '
               '{type = "dense", units = 2}]\n',
    "hidden": 'kind = "rnn"\nsteps = 2\nhidden_size = 1251\n',
    "long": 'kind = "rnn"\nsteps = 5000\n',
    "kernel": 'kind = "cnn"\ninput = [1, 200, 200]\nlayers = [{type = "conv", maps = 1, kernel = 40}, '
              '{type = "dense", units = 2}]\n',
}


@pytest.fixture
def nothing_built(monkeypatch):
    """Building any network fails the test: a refusal must come from the spec's numbers alone."""
    import derive.network.cnn
    import derive.network.rnn
    import derive.network.spec

    def built(*args, **kwargs):
        raise AssertionError("a network was built")

    monkeypatch.setattr(derive.network.spec, "build_mlp", built)
    monkeypatch.setattr(derive.network.rnn, "build_rnn", built)
    monkeypatch.setattr(derive.network.cnn, "build_cnn", built)


@pytest.mark.parametrize("case", sorted(HUGE))
def test_a_huge_network_is_refused_from_its_spec_before_it_is_built(tmp_path, capsys, nothing_built, case):
    spec = tmp_path / f"{case}.toml"
    spec.write_text(HUGE[case])
    code, out, err = run(capsys, "gradients", spec)
    assert code == 2 and out == "" and one_line_error(err), err
    size, limit = re.findall(r"\d[\d,]*\d|\d", err.split("error:")[1])[:2]
    assert int(size.replace(",", "")) > int(limit.replace(",", ""))


@pytest.mark.parametrize("case", ["wide", "absurd", "picture", "hidden"])
def test_sizes_that_cannot_fit_in_memory_are_refused_even_with_allow_large(tmp_path, capsys, nothing_built, case):
    spec = tmp_path / f"{case}.toml"
    spec.write_text(HUGE[case])
    code, _, err = run(capsys, "gradients", spec, "--allow-large")
    assert code == 2 and one_line_error(err) and "even with --allow-large" in err


def test_allow_large_still_lifts_the_soft_limits(tmp_path, capsys):
    spec = tmp_path / "kernel.toml"
    spec.write_text('kind = "cnn"\ninput = [1, 50, 50]\nlayers = [{type = "conv", maps = 1, kernel = 10}, '
                    '{type = "pool", kind = "avg", size = 41}, {type = "dense", units = 2}]\n')
    code, _, err = run(capsys, "gradients", spec)  # 107 parameters, but 41·41·100 terms in the convolution alone
    assert code == 2 and "169,789 terms" in err and "100,000" in err and "--allow-large" in err
    spec.write_text("layers = [60, 50, 1]\n")  # 3,101 parameters
    code, _, err = run(capsys, "gradients", spec)
    assert code == 2 and "3,101 parameters" in err and "2,500" in err
    assert run(capsys, "gradients", spec, "--allow-large")[0] == 0


@pytest.mark.parametrize("case", ["wide", "absurd", "picture", "hidden"])
def test_documents_and_handouts_refuse_what_cannot_fit_before_building_it(tmp_path, capsys, nothing_built, case):
    spec = tmp_path / f"{case}.toml"
    spec.write_text(HUGE[case])
    for argv in (["doc", spec, "--allow-large"], ["handout", spec, "-o", tmp_path / "out"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and one_line_error(err) and "even with --allow-large" in err, err


SOFT = {  # past a soft limit only: --allow-large would build these
    "long": HUGE["long"],
    "terms": 'kind = "cnn"\ninput = [1, 50, 50]\nlayers = [{type = "conv", maps = 1, kernel = 10}, '
             '{type = "pool", kind = "avg", size = 41}, {type = "dense", units = 2}]\n',
}


@pytest.mark.parametrize("case", sorted(SOFT))
def test_documents_and_handouts_check_the_soft_limits_from_the_spec_too(tmp_path, capsys, nothing_built, case):
    spec = tmp_path / f"{case}.toml"
    spec.write_text(SOFT[case])
    for argv in (["doc", spec], ["handout", spec, "-o", tmp_path / "out"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and one_line_error(err) and "pass --allow-large" in err, err
    assert not (tmp_path / "out").exists()


def test_allow_large_still_lets_a_document_past_the_parameter_limit(tmp_path, capsys):
    spec = tmp_path / "wide.toml"
    spec.write_text("layers = [60, 50, 1]\n")  # 3,101 parameters
    code, _, err = run(capsys, "doc", spec, "-o", tmp_path / "wide.md")
    assert code == 2 and "3,101 parameters" in err
    code, _, err = run(capsys, "doc", spec, "-o", tmp_path / "wide.md", "--allow-large")
    assert code == 0, err


def test_the_engine_checks_the_same_parameter_limit_as_the_spec():
    import ast
    import inspect

    from derive.derivation import engine
    from derive.network import limits

    assert engine.MAX_PARAMETERS is limits.MAX_PARAMETERS
    defined = {t.id for node in ast.parse(inspect.getsource(engine)).body if isinstance(node, ast.Assign)
               for t in node.targets if isinstance(t, ast.Name)}
    assert "MAX_PARAMETERS" not in defined, "the engine defines its own parameter limit again"


SPECS = [
    {"layers": [3, 4, 5, 2], "activation": ["sigmoid", "tanh", "softmax"], "loss": "cross_entropy"},
    {"layers": [2, 3, 2], "naming": "flat"},
    {"kind": "rnn", "steps": 4, "input_size": 2, "hidden_size": 3, "output_size": 2},
    {"kind": "rnn", "steps": 2, "hidden_size": 2, "output_size": 3, "output_activation": "softmax",
     "loss": "cross_entropy"},
    {"kind": "rnn", "steps": 3, "output_activation": "sigmoid", "loss": "bce"},
    {"kind": "cnn", "input": [2, 6, 6], "layers": [{"type": "conv", "maps": 2, "kernel": 3},
                                                   {"type": "pool", "kind": "max", "size": 2},
                                                   {"type": "flatten"}, {"type": "dense", "units": 3}]},
    {"kind": "cnn", "input": [5, 4], "layers": [{"type": "dense", "units": 2}], "output_activation": "sigmoid",
     "loss": "bce"},
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.get('kind', 'mlp')}")
def test_the_counts_from_the_spec_are_those_of_the_network_built(spec, monkeypatch):
    from derive.network import limits
    from derive.network.graph import Affine, Loss, Pool, Softmax
    from derive.network.spec import network_from_spec

    seen = []
    monkeypatch.setattr(limits, "check", lambda size, *a, **k: seen.append(size))
    net = network_from_spec(spec)
    refs = {Affine: "terms", Softmax: "args", Pool: "args", Loss: "pairs"}
    connections = sum(len(getattr(q.op, refs[type(q.op)])) for q in net.quantities if type(q.op) in refs)
    assert [(s.parameters, s.quantities, s.connections) for s in seen] == \
        [(len(net.params), len(net.quantities), connections)]


# --- 3. names reaching outputs -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["two\nlines", "bell\x07", "../escaped", "/tmp/absolute", "a/b", ".hidden",
                                  "x" * 81, "<img src=x onerror=alert(1)>", "\\input{/etc/passwd}", ""])
def test_a_name_that_cannot_name_a_file_is_refused_naming_the_key(tmp_path, capsys, name):
    spec = tmp_path / "spec.toml"
    escaped = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\x07", "\\u0007").replace('"', '\\"')
    spec.write_text(f'name = "{escaped}"\nlayers = [2, 1]\n')
    out = tmp_path / "out"
    for argv in (["doc", spec, "-o", f"{out}/"], ["handout", spec, "-o", out], ["gradients", spec]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and one_line_error(err) and "error: name: " in err, err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["spec.toml"]


def test_names_of_letters_digits_and_a_few_signs_are_kept(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "Übung 3 (v2.1) net_a+b"\nlayers = [2, 1]\n')
    code, _, err = run(capsys, "doc", spec, "-o", f"{tmp_path}/")
    assert code == 0, err
    assert (tmp_path / "Übung 3 (v2.1) net_a+b.md").is_file()


def test_a_file_name_becomes_a_safe_network_name(tmp_path, capsys):
    spec = tmp_path / "a --><img src=x onerror=alert(1)><!-- b.toml"
    spec.write_text("layers = [2, 1]\n")
    code, _, err = run(capsys, "doc", spec, "--format", "html", "-o", f"{tmp_path}/")
    assert code == 0, err
    [page] = tmp_path.glob("*.html")
    assert page.name == "a ---img src-x onerror-alert(1)--- b.html"
    assert "<img" not in page.read_text(encoding="utf-8")


HOSTILE = "x -->\n<img src=x onerror=alert(1)>\n\\immediate\\write18{touch pwned}\r\\input.toml"


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_marker_line_carries_a_hostile_file_name_inertly_in_html_comments(tmp_path, capsys, fmt):
    spec = tmp_path / HOSTILE
    spec.write_text('name = "safe"\nlayers = [2, 1]\n')
    code, out, err = run(capsys, "doc", spec, "--format", fmt)
    assert code == 0, err
    assert "<img" not in out
    marker = out.splitlines()[1 if fmt == "html" else 0]
    assert marker.startswith("<!-- generated by derive from derive doc x --&gt;?&lt;img src=x onerror=alert(1)&gt;?")
    assert marker.count("-->") == 1 and marker.endswith(" -->")


def test_the_marker_line_carries_a_hostile_file_name_inertly_in_tex(tmp_path, capsys):
    spec = tmp_path / HOSTILE
    spec.write_text('name = "safe"\nlayers = [2, 1]\n')
    code, out, err = run(capsys, "doc", spec, "--format", "tex")
    assert code == 0, err
    head = out.split("\\documentclass")[0].splitlines()
    assert len(head) == 1 and head[0].startswith("% generated by derive from derive doc x -->?<img"), head
    assert "\\immediate\\write18" not in out.split("\\documentclass")[1]


def test_a_comment_line_is_one_line_and_cannot_close_early():
    from derive.output.marker import comment_text, is_marked, mark

    text = "generated by derive from a\nb\r\nc\u2028d\x0ce --> <!-- f"
    assert comment_text(text, "tex") == "generated by derive from a?b??c?d?e --> <!-- f"
    assert comment_text(text, "html") == "generated by derive from a?b??c?d?e --&gt; &lt;!-- f"
    for style in ("tex", "html"):
        marked = mark("body\n", text, style)
        assert marked.count("\n") == 2 and marked.endswith("\nbody\n") and is_marked(marked)


def test_a_description_is_one_paragraph_without_control_characters(tmp_path, capsys):
    from derive.errors import SpecError
    from derive.network.spec import network_from_spec

    net = network_from_spec({"layers": [2, 1], "description": "two\nlines,\ttabbed"})
    assert net.description == "two lines, tabbed"
    for bad in ("bell\x07", "turned \u202eabc", "x" * 1001):
        with pytest.raises(SpecError) as e:
            network_from_spec({"layers": [2, 1], "description": bad})
        assert e.value.key == "description"


def test_text_for_markdown_cannot_open_an_html_tag():
    from derive.output.templates import environment

    env = environment("md")
    hostile = 'a <img src=x onerror="alert(1)"> & b > c'
    assert (env.from_string("{{ d | text }}").render(d=hostile)
            == 'a &lt;img src=x onerror="alert(1)"> &amp; b > c')
    assert env.from_string("{{ d | text }}").render(d="σ(1 − σ), w_1 (v2.1)") == "σ(1 − σ), w_1 (v2.1)"


def test_a_description_reaches_a_markdown_document_escaped(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text('description = "a <img src=x onerror=alert(1)> & more"\nlayers = [2, 1]\n')
    code, out, err = run(capsys, "doc", spec)
    assert code == 0, err
    assert "<img" not in out and "a &lt;img src=x onerror=alert(1)> &amp; more" in out


# --- 4. regular files only, read with a size limit -----------------------------------------------------

needs_fifo = pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no FIFOs here")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_dev_zero_as_a_spec_is_refused_in_one_line(tmp_path, run_bounded):
    for argv in (["gradients", "/dev/zero"], ["doc", "/dev/zero"]):
        code, _, err = run_bounded(tmp_path, *argv)
        assert code == 2 and one_line_error(err) and "/dev/zero: not a regular file (a character device)" in err, err


@needs_fifo
def test_a_fifo_as_a_spec_or_as_an_output_is_refused_without_waiting_for_a_writer(tmp_path, run_bounded):
    import os

    os.mkfifo(tmp_path / "pipe.toml")
    code, _, err = run_bounded(tmp_path, "gradients", "pipe.toml", seconds=30)
    assert code == 2 and one_line_error(err) and "pipe.toml: not a regular file (a named pipe)" in err, err
    (tmp_path / "spec.toml").write_text("layers = [2, 1]\n")
    code, _, err = run_bounded(tmp_path, "doc", "spec.toml", "-o", "pipe.toml", seconds=30)
    assert code == 2 and one_line_error(err) and "pipe.toml exists and was not written by derive" in err, err


def test_a_spec_past_the_size_limit_or_nested_too_deep_is_refused(tmp_path, capsys):
    from derive.network.spec import MAX_SPEC_BYTES

    spec = tmp_path / "big.toml"
    spec.write_text("layers = [2, 1]\n" + "#" * MAX_SPEC_BYTES + "\n")
    code, _, err = run(capsys, "gradients", spec)
    assert code == 2 and one_line_error(err) and f"larger than the {MAX_SPEC_BYTES:,} bytes a spec may have" in err
    spec.write_text("layers = [2, 1]\n[values]\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    code, _, err = run(capsys, "gradients", spec)
    assert code == 2 and one_line_error(err) and "too deeply" in err, err


def test_read_text_limited(tmp_path):
    import os

    from derive.errors import InputError, read_text_limited

    f = tmp_path / "a.txt"
    f.write_bytes("\ufeffσ = 1\n".encode())
    assert read_text_limited(f, 10, "note") == "σ = 1\n"  # 3 bytes of mark, 7 of text
    with pytest.raises(InputError, match=r"^note .*a\.txt: larger than the 9 bytes a note may have$"):
        read_text_limited(f, 9, "note")
    f.write_bytes(b"ok \xff")
    with pytest.raises(InputError, match="not UTF-8 text .byte 4"):
        read_text_limited(f, 100, "note")
    with pytest.raises(InputError, match="not a regular file .a folder."):
        read_text_limited(tmp_path, 100, "note")
    with pytest.raises(InputError, match="cannot be read"):
        read_text_limited(tmp_path / "missing", 100, "note")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "p")
        with pytest.raises(InputError, match="named pipe"):
            read_text_limited(tmp_path / "p", 100, "note")


# --- 5. numbers out of range ---------------------------------------------------------------------------

ONE = 'layers = [1, 1]\nactivation = "linear"\n[values]\nx = [1]\nW1 = [[1]]\nb1 = [0]\nt = [{}]\n'


@pytest.mark.parametrize("value", ['"1e400"', "9" * 400, '"-1e200"', '"1e-400"', '"1e999999999"', '"1e-999999999"'])
def test_a_number_out_of_range_is_refused_with_its_key(tmp_path, value, run_bounded):
    (tmp_path / "n.toml").write_text(ONE.format(value))
    code, _, err = run_bounded(tmp_path, "gradients", "n.toml", seconds=30)  # "1e999999999" hung
    assert code == 2 and one_line_error(err) and "error: values.t[1]: " in err and "out of range" in err, err


def test_a_learning_rate_out_of_range_is_refused_with_its_key(capsys):
    for lr in ("1e400", "1e999999999", "1e-999999999"):
        code, _, err = run(capsys, "gradients", "mlp-222", "--lr", lr)
        assert code == 2 and one_line_error(err) and "error: --lr: " in err and "out of range" in err, err


def test_numbers_in_range_are_read_exactly():
    from fractions import Fraction

    from derive.network.spec import number

    assert number("1e100", "k") == 10 ** 100 and number("-1e-100", "k") == Fraction(-1, 10 ** 100)
    assert number("1/3", "k") == Fraction(1, 3) and number(0.1, "k") == Fraction(1, 10) and number("0", "k") == 0


def test_an_integer_too_long_for_python_to_read_is_one_line(tmp_path, capsys):
    spec = tmp_path / "n.toml"
    spec.write_text(ONE.format("9" * 5000))
    code, _, err = run(capsys, "gradients", spec)
    assert code == 2 and one_line_error(err) and "4300 digits" in err, err


def test_values_whose_loss_overflows_a_float_are_one_line(tmp_path, capsys):
    spec = tmp_path / "n.toml"
    spec.write_text(ONE.format("0").replace("x = [1]", "x = [1e100]").replace("W1 = [[1]]", "W1 = [[1e100]]"))
    code, _, err = run(capsys, "gradients", spec)
    assert code == 2 and one_line_error(err) and "L cannot be computed in floats: it is too large" in err, err


SOFTMAX = ('layers = [2, 3]\nactivation = "softmax"\nloss = "cross_entropy"\n[values]\nx = [1, 0.5]\n'
           't = [{t}]\nW1 = [[{big}, 0], [0, 2], [-{big}, 1]]\nb1 = [0, 0, 0]\n')


def _softmax_cross_entropy(W, b, x, t):
    """The loss and dL/dW, dL/db of softmax + cross-entropy with mpmath at 50 digits, from the definitions."""
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(50):
        z = [sum(mpmath.mpf(w) * xi for w, xi in zip(row, x)) + bi for row, bi in zip(W, b)]
        total = sum(mpmath.exp(zi) for zi in z)
        p = [mpmath.exp(zi) / total for zi in z]
        loss = -sum(ti * mpmath.log(pi) for ti, pi in zip(t, p))
        dz = [pi - ti for pi, ti in zip(p, t)]
        return float(loss), {f"W1_{i + 1}_{j + 1}": float(dz[i] * x[j]) for i in range(3) for j in range(2)} | {
            f"b1_{i + 1}": float(dz[i]) for i in range(3)}


@pytest.mark.parametrize("big, t", [(1000, "0, 1, 0"), (1000, "0, 0, 1"), (800, "0.2, 0.3, 0.5"), (3, "0, 0, 1")])
def test_softmax_cross_entropy_is_finite_and_exact_at_large_logits(tmp_path, capsys, big, t):
    from derive.derivation.numeric import gradients
    from derive.network.spec import load_spec_file

    spec = tmp_path / "s.toml"
    spec.write_text(SOFTMAX.format(big=big, t=t))
    values, grads = gradients(load_spec_file(spec))
    targets = [float(x) for x in t.split(",")]
    loss, expected = _softmax_cross_entropy([[big, 0], [0, 2], [-big, 1]], [0, 0, 0], [1, 0.5], targets)
    assert values["L"] == pytest.approx(loss, rel=1e-12)
    assert grads == pytest.approx(expected, rel=1e-9, abs=1e-12)
    code, out, err = run(capsys, "gradients", spec, "--check")  # and the finite differences agree
    assert code == 0 and err == "", err


def _rnn(tmp_path, steps):
    from derive.network.spec import load_spec_file

    spec = tmp_path / f"r{steps}.toml"
    spec.write_text(f'kind = "rnn"\nsteps = {steps}\nseed = 1\n')
    return load_spec_file(spec, allow_large=True)


def test_a_document_past_the_size_limit_is_refused_from_its_size_in_one_line(tmp_path):
    from derive.errors import SizeError
    from derive.network import limits

    size = limits.network_size(_rnn(tmp_path, 250))  # builds in a second; its document would take many minutes
    assert size.steps == 250 and size.quantities == 1507
    with pytest.raises(SizeError) as e:
        limits.check_document(size)
    assert str(e.value) == ("the document would be about 95 MB (1,507 quantities over 250 steps); documents are "
                            "limited to 50 MB (pass --allow-large to write it anyway)")
    limits.check_document(size, allow_large=True)
    with pytest.raises(SizeError, match="about 1,503 MB .* limited to 1,000 MB .even with --allow-large"):
        limits.check_document(limits.network_size(_rnn(tmp_path, 1000)), allow_large=True)
    limits.check_document(limits.network_size(_rnn(tmp_path, 40)))


def test_the_document_estimate_is_above_a_real_rnn_document_in_its_largest_format(tmp_path, capsys):
    from derive.network import limits

    estimate = limits.document_bytes(limits.network_size(_rnn(tmp_path, 20)))
    code, _, err = run(capsys, "doc", tmp_path / "r20.toml", "--format", "html", "-o", tmp_path / "r20.html")
    written = (tmp_path / "r20.html").stat().st_size
    assert code == 0 and written <= estimate <= 4 * written, (written, estimate)


TARGET = ('layers = [2, 2, 1]\nactivation = ["{act}", "sigmoid"]\n[values]\nx = [{x}]\nt = [{t}]\n'
          'W1 = [[0.15, 0.2], [0.25, 0.3]]\nb1 = [{b}, 0.35]\nW2 = [[0.4, 0.45]]\nb2 = [0.6]\n')


@pytest.mark.parametrize("t", [1, 1000, 100000])
def test_check_passes_at_a_large_target(tmp_path, capsys, t):
    # at t = 1000 the loss is about 5e5; rounding it shifts each central difference by about
    # eps·5e5/h = 1e-5 (h = 1e-5), which a tolerance relative to the gradient alone (1e-6·|-0.9|) refused
    spec = tmp_path / "t.toml"
    spec.write_text(TARGET.format(act="sigmoid", x="0.05, 0.10", t=t, b=0.35))
    code, _, err = run(capsys, "gradients", spec, "--check")
    assert code == 0, err


def test_check_still_fails_at_a_large_target_where_the_derivative_is_wrong(tmp_path, capsys):
    # z1_1 = 0.15·1 + 0.2·0 - 0.15 = 0: ReLU'(0) is taken as 0, the central differences see 1/2
    spec = tmp_path / "t.toml"
    spec.write_text(TARGET.format(act="relu", x="1, 0", t=1000, b=-0.15))
    code, _, err = run(capsys, "gradients", spec, "--check")
    assert code == 1 and "check failed: at " in err and "ReLU's input is (nearly) 0" in err, err


# --- 6. a run deletes only what it wrote; temporary files a killed run left are cleaned -----------------

def test_remove_stale_with_a_record_deletes_only_what_the_last_run_recorded(tmp_path, capsys):
    from derive.output.files import WRITTEN, remove_stale
    from derive.output.marker import mark

    folder = tmp_path / "docs"
    assert run(capsys, "doc", "mlp-221", "-o", f"{folder}/")[0] == 0  # the user's own output, unedited
    for name in ("a.md", "gone.md", "old.pdf", "edited.md"):
        (folder / name).write_text(mark(f"{name}\n", "generated by derive"))
    assert remove_stale([folder], [folder / "a.md"], (".pdf",), record=WRITTEN) == []  # no record yet
    assert (folder / WRITTEN).read_text().splitlines()[1:] == ["a.md"]

    (folder / WRITTEN).write_text("a.md\ngone.md\nold.pdf\nedited.md\n")  # as an earlier run left it
    (folder / "edited.md").write_text((folder / "edited.md").read_text() + "my remark\n")
    removed = remove_stale([folder], [folder / "a.md"], (".pdf",), record=WRITTEN)
    assert removed == [folder / "gone.md"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [WRITTEN, "a.md", "edited.md", "old.pdf", "mlp-221.md", "mlp-221.svg"])
    assert (folder / WRITTEN).read_text().splitlines()[1:] == ["a.md", "old.pdf"]


def test_build_keeps_the_users_own_unedited_outputs(tmp_path, capsys):
    assert run(capsys, "doc", "mlp-221", "-o", tmp_path / "docs" / "lecture-3.md")[0] == 0
    assert run(capsys, "build", "--out", tmp_path, "--no-pdf")[0] == 0
    assert (tmp_path / "docs" / "lecture-3.md").is_file()


CHILD = """
import fcntl, os, sys, tempfile, time
fd, tmp = tempfile.mkstemp(prefix=".doc.md.", suffix=".tmp", dir=sys.argv[1])
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, b"half a file")
print(tmp, flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs POSIX processes and locks")
def test_temporary_files_a_killed_run_left_are_cleaned_by_the_next_run_there(tmp_path, capsys):
    import os
    import signal
    import subprocess
    import sys
    import time

    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
                for _ in range(2)]
    try:
        killed, alive = (Path(c.stdout.readline().strip()) for c in children)
        os.kill(children[0].pid, signal.SIGKILL)
        children[0].wait()
        fresh = tmp_path / ".doc.md.abcd1234.tmp"  # unlocked, but written a moment ago: perhaps still in use
        fresh.write_text("x")
        others = [tmp_path / ".notes.tmp", tmp_path / "draft.abcd1234.tmp", tmp_path / ".doc.md.abcd1234.tmp.bak"]
        for p in others:
            p.write_text("the user's")
        old = time.time() - 3600
        for p in [killed, alive] + others:
            os.utime(p, (old, old))
        assert run(capsys, "doc", "mlp-221", "-o", tmp_path / "doc.md")[0] == 0
        assert not killed.exists()
        assert alive.exists() and fresh.exists() and all(p.exists() for p in others)
    finally:
        for c in children:
            c.kill()
            c.wait()
            c.stdout.close()


def test_a_key_with_a_line_break_is_named_on_one_line(tmp_path, capsys):
    spec = tmp_path / "k.toml"
    spec.write_text('"a\\nb" = 1\nlayers = [2, 1]\n')
    code, _, err = run(capsys, "gradients", spec)
    assert code == 2 and one_line_error(err) and "error: a?b: unknown key" in err, err


def test_every_error_is_one_line_whatever_file_name_it_names(tmp_path, capsys):
    made = tmp_path / "two\nlines\rand a\x1b[31mcolour"
    made.write_text("mine\n")
    code, _, err = run(capsys, "handout", "mlp-221", "-o", made)  # a file where a folder is needed
    assert code == 2 and one_line_error(err), err
    assert "two?lines?and a?[31mcolour: a handout is several files" in err
