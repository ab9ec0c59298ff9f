"""The COPY baseline's rewriting of intake's rows: which columns it carries and how it
gives the copies keys of their own."""

from __future__ import annotations

from benchmarks.intake_floor import copy_columns, rewrite, set_column

A = "11111111-1111-4111-8111-111111111111"
B = "22222222-2222-4222-8222-222222222222"
OTHER = "33333333-3333-4333-8333-333333333333"


def test_generated_columns_are_left_to_the_database_unless_intake_supplies_them() -> None:
    columns = [
        ("id", "nextval('outbox_id_seq'::regclass)"),
        ("message_id", "gen_random_uuid()"),
        ("payload", None),
        ("created_at", "now()"),
    ]
    assert copy_columns("outbox", columns) == ["payload", "created_at"]
    complaints = [("id", "gen_random_uuid()"), ("status", "'received'::complaint_status")]
    assert copy_columns("complaints", complaints) == ["id", "status"]


def test_rewrite_replaces_known_complaint_ids_everywhere() -> None:
    text = f'{A}\t1\t{{"complaint_id": "{A}", "other": "{OTHER}"}}\n{B}\t\\N\n'
    new = {A: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", B: "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"}
    out = rewrite(text, new)
    assert out == (
        f'{new[A]}\t1\t{{"complaint_id": "{new[A]}", "other": "{OTHER}"}}\n{new[B]}\t\\N\n'
    )


def test_set_column_sets_one_column_of_every_row() -> None:
    text = "a\tsrc\tx\\ty\nb\tsrc\t\\N\n"  # an escaped tab inside a value stays one value
    assert set_column(text, 1, "floor-0") == "a\tfloor-0\tx\\ty\nb\tfloor-0\t\\N\n"
