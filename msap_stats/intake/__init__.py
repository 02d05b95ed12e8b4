"""The import path, from the bytes of a user's file to rows in the store, in the order a file crosses it:

``guard`` (what a file may cost before it is read) → ``reader`` (sheets of text cells) → ``layout`` (header row,
months as columns, a sheet per month, total rows) → ``matching`` and ``profiles`` (which column and value is
which) → ``assistant`` (all of it, before anything is written) → ``validate`` (typing and checking every cell) →
``conflicts`` (the checked file against the store) → ``importer`` (the transaction, the rollback). ``journal``
keeps the refused attempts, ``report`` writes their problems, ``templates`` the workbooks to fill in.
Nothing here imports from a higher floor than the store, the schema and the rules of ``access``.
"""
