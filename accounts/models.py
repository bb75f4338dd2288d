# Users are Django's; section membership lives on programs.Section.members.
