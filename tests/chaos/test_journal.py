from chaos.journal import Journal


def test_pending_is_applied_minus_reverted(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append("apply", id="a", type="pause")
    journal.append("apply", id="b", type="kill")
    journal.append("revert", id="a")
    journal.append("revert", id="b")  # an attempt that crashed before it finished
    journal.append("reverted", id="a")
    assert [r["id"] for r in journal.pending()] == ["b"]


def test_torn_last_line_is_ignored(tmp_path):
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.append("apply", id="a", type="pause")
    with open(path, "a") as handle:
        handle.write('{"event": "apply", "id": "b"')  # a crash mid-write
    assert [r["id"] for r in journal.pending()] == ["a"]


def test_compact_keeps_only_pending(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    for i in range(5):
        journal.append("apply", id=str(i), type="pause")
        if i != 3:
            journal.append("reverted", id=str(i))
    journal.compact()
    assert len(journal.records()) == 1
    assert journal.pending()[0]["id"] == "3"
