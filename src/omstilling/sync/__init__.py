"""The directory sync (issue 14, spec/sync.md): people, their numbers and their units from
LDAP/Active Directory and HR exports (CSV, XLSX).

`config` reads the sync file; `tables` and `ldap` read the sources into `entries`; `plan`
matches them to the organisation (ownership, leavers in `leavers`); `apply` runs it all
or nothing and records the run (`store.sync_runs`).
"""
