"""Every command line of the package answers a usage mistake with one ``error: ...`` line and exit code 2."""
import importlib

import pytest

CLIS = ["audiocraft_expotion.generate.__main__", "audiocraft_expotion.generate.app", "audiocraft_expotion.export",
        "audiocraft_expotion.features.cli", "audiocraft_expotion.data.build_manifest",
        "audiocraft_expotion.data.synthetic", "audiocraft_expotion.eval.__main__", "audiocraft_expotion.eval.report",
        "audiocraft_expotion.eval.baselines"]


@pytest.mark.parametrize("module", CLIS)
def test_unknown_option_is_one_error_line_and_exit_2(module, capsys):
    with pytest.raises(SystemExit) as exit_info:
        importlib.import_module(module).main(["--no-such-option"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")


def test_export_of_a_missing_xp_is_one_error_line_and_exit_2(tmp_path, capsys):
    from audiocraft_expotion.export import main
    assert main([str(tmp_path / "no_such_xp"), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "no_such_xp" in err[0]


def test_export_into_a_path_that_is_a_file_is_one_error_line_and_exit_2(tmp_path, capsys):
    from audiocraft_expotion.export import main
    checkpoint = tmp_path / "xp" / "checkpoint.th"
    checkpoint.parent.mkdir()
    checkpoint.write_bytes(b"")
    taken = tmp_path / "taken.mp4"
    taken.write_bytes(b"not a folder")
    assert main([str(checkpoint.parent), str(taken / "model")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert taken.read_bytes() == b"not a folder"


def test_export_of_an_unreadable_checkpoint_is_one_error_line_and_exit_2(tmp_path, capsys):
    from audiocraft_expotion.export import main
    checkpoint = tmp_path / "xp" / "checkpoint.th"
    checkpoint.parent.mkdir()
    checkpoint.write_bytes(b"")
    assert main([str(checkpoint.parent), str(tmp_path / "model")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "checkpoint.th" in err[0]


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_build_manifest_on_a_missing_or_empty_folder_is_one_error_line_and_exit_2(tmp_path, capsys, folder):
    from audiocraft_expotion.data.build_manifest import main
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / folder), "--features", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and folder in err[0]
