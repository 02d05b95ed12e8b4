"""Who is acting (``users``) and what they may do (``roles``): below everything that writes and checks it.

The audit log, which gathers the imports, the refusals and the role changes, sits above the import path in
``msap_stats.audit``.
"""
