"""The drawing kit every topic scene is built from; topics import it, never each other.

- :mod:`.stage`: :class:`~.stage.TopicScene`, the base of every topic, with the
  stage vocabulary (steps, title, content region, fit, side by side, the first
  head of a multi-head lesson and head tags).
- :mod:`.widgets`: traced numbers and index labels (:class:`~.widgets.NumberFactory`),
  words and formulas, :class:`~.widgets.MatrixView` with its column width, the
  text-baseline rule, and the hook for keeping built shapes between processes.
- :mod:`.attention`: softmax bars, share bars, the dot-product panel, the weight
  grid, token matrices and cell shading.
- :mod:`.sums`: weighted value rows, column sums and the residual's rows.
- :mod:`.heads`: which head a one-head topic draws.
- :mod:`.palette`: one colour per role.
- :mod:`.copying`: Manim's ``Mobject.copy``, made faster (installed on import).

The widgets a scene of your own draws with are importable from here::

    from scenes.kit import MatrixView, NumberFactory, SoftmaxBars, entries, palette

Nothing here opens files, starts processes or handles signals.
"""

from . import palette
from .attention import DotProductPanel, SoftmaxBars, WeightGrid, token_matrix
from .copying import install as _install_fast_copy
from .equations import EquationLog
from .stage import Region, TopicScene
from .widgets import MatrixView, NumberFactory, TracedText, entries, fit_in_frame, formula, label

_install_fast_copy()  # Mobject.copy, the same copies made faster (see .copying)

__all__ = [
    "DotProductPanel",
    "EquationLog",
    "MatrixView",
    "NumberFactory",
    "Region",
    "SoftmaxBars",
    "TopicScene",
    "TracedText",
    "WeightGrid",
    "entries",
    "fit_in_frame",
    "formula",
    "label",
    "palette",
    "token_matrix",
]
