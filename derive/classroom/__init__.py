"""A class's handouts: a sheet per student from a roster, machine-readable answer keys, and the exports a
learning management system imports (Moodle XML, a QTI 2.1 package, a PrairieLearn question).

Everything here is bytes made from rendered sheets; only the command line writes them.
"""
