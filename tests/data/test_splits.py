import pytest

from audiocraft_expotion.data.splits import assign_splits, make_splits, parse_splits, split_counts


def test_parse_splits():
    assert parse_splits("train=0.9,valid=0.1") == {"train": 0.9, "valid": 0.1}
    for bad in ("train=0.9,valid=0.2", "train=1,test=0", "train", "train=x", "train=0.5,train=0.5", "train=0,valid=1"):
        with pytest.raises(ValueError, match="split|sum"):
            parse_splits(bad)


@pytest.mark.parametrize("num_items", [4, 5, 9, 130, 1001])
def test_split_counts_are_proportional_and_never_empty(num_items):
    fractions = parse_splits("train=0.8,valid=0.1,evaluate=0.05,generate=0.05")
    counts = split_counts(num_items, fractions)
    assert sum(counts.values()) == num_items
    assert all(count >= 1 for count in counts.values())
    if num_items >= 100:
        assert all(abs(counts[name] - fraction * num_items) < 1 for name, fraction in fractions.items())


def test_too_few_items_for_the_splits():
    with pytest.raises(ValueError, match="cannot fill"):
        split_counts(1, parse_splits("train=0.9,valid=0.1"))


def test_assignment_is_a_seeded_partition():
    names = [f"clip{i}" for i in range(20)]
    fractions = parse_splits("train=0.5,valid=0.25,generate=0.25")
    splits = assign_splits(names, fractions, seed=1)
    assert sorted(n for split in splits.values() for n in split) == sorted(names)
    assert {k: len(v) for k, v in splits.items()} == split_counts(len(names), fractions)
    assert assign_splits(list(reversed(names)), fractions, seed=1) == splits  # input order does not matter
    assert assign_splits(names, fractions, seed=2) != splits


def test_auto_splits_hold_out_one_clip_of_a_small_folder_for_the_other_splits():
    names = [f"clip{i}" for i in range(3)]
    splits = make_splits(names, "auto", seed=0)
    (held,) = splits["valid"]
    assert splits["evaluate"] == splits["generate"] == [held]
    assert sorted(splits["train"] + [held]) == names
    assert make_splits(names, "auto", seed=0) == splits  # reproducible
    assert make_splits(["only"], "auto") == {s: ["only"] for s in ("train", "valid", "evaluate", "generate")}
    large = make_splits([f"c{i:02d}" for i in range(40)], "auto")
    assert len(large["valid"]) == 4 and len(large["train"]) == 36 and not set(large["valid"]) & set(large["train"])
    assert make_splits(names, "train=0.34,valid=0.33,generate=0.33") == assign_splits(
        names, parse_splits("train=0.34,valid=0.33,generate=0.33"))
