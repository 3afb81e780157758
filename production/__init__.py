"""Production: turning topics of a lesson into files.

* :mod:`~production.settings`: the quality table and the format names;
* :mod:`~production.request`: the typed request, worker reply and outcome;
* :mod:`~production.batch`: plan the requests, then render them here or in
  workers (:mod:`~production.worker`), reporting through :mod:`~production.progress`;
* :mod:`~production.cache`: the key of a render, its record, the topic's lock;
* :mod:`~production.runner`: one topic through Manim, post-processed by
  :mod:`~production.output`, its shapes kept by :mod:`~production.shape_store`;
* :mod:`~production.page`: the lesson page, from ``templates/``;
* :mod:`~production.files`: atomic writes and publishing finished files;
* :mod:`~production.preflight` and :mod:`~production.interrupts`: before and
  during a render, missing system pieces and clean stops.
"""

__all__: list[str] = []
