"""For a service revision kept only for its place in the history: its work is the kit branch's now.

Such a revision once did what a kit revision does today (e.g. the processed_at index, kit_0002). A
database that ran it records its id, so the file stays; it `depends_on` the kit revision, so a
database that ran it counts that one as applied, and a new database gets the work from the kit.
"""


def nothing_to_do() -> None:
    """The upgrade and downgrade of such a revision."""
