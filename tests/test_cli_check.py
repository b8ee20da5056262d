"""`derive gradients --check` on a network given without numbers: the example values it draws suit the
loss (one-hot targets for softmax with cross-entropy, whose gradient p − t assumes targets that sum to 1)."""

from derive.cli.main import main


def test_a_softmax_cross_entropy_spec_without_numbers_passes_check(tmp_path, capsys):
    spec = tmp_path / "c343.toml"
    spec.write_text('kind = "mlp"\nlayers = [3, 4, 3]\nactivation = ["sigmoid", "softmax"]\n'
                    'loss = "cross_entropy"\n')
    assert main(["gradients", str(spec), "--check"]) == 0
    err = capsys.readouterr().err
    assert "check failed" not in err
    assert "and 29 more" in err  # 37 leaves, the first 8 named
