"""One row of the intake form: label, the input itself, and the message under it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Select, TextArea

from callcenter.domain.intake_form import FieldSpec
from callcenter.ui.shared.widgets import DropDown


def field_id(key: str) -> str:
    return f"field-{key}"


class FieldRow(Vertical):
    """Holds one field; the screen reads and writes values through `value` / `set_value`.

    A row may be read and written before it is on screen (the intake mounts the steps not shown
    first a moment after it paints): until its input exists, the row keeps the value, the error and
    whether it is locked, and its input starts from them."""

    def __init__(self, spec: FieldSpec, value: str = "") -> None:
        super().__init__(classes=f"field-row kind-{spec.kind}", id=f"row-{spec.key}")
        self.spec = spec
        self._initial = value
        self._error: str | None = None
        self._locked = False

    def compose(self) -> ComposeResult:
        spec = self.spec
        if spec.kind != "flag":
            yield Label(spec.label, classes="field-label", markup=False)
        if spec.kind == "text":
            yield Input(
                self._initial,
                placeholder=spec.placeholder,
                id=field_id(spec.key),
                max_length=spec.max_length * 2,
                select_on_focus=False,
                disabled=self._locked,
            )
        elif spec.kind == "multiline":
            area = TextArea(
                self._initial, id=field_id(spec.key), soft_wrap=True, tab_behavior="focus", disabled=self._locked
            )
            yield area
        elif spec.kind == "choice":
            yield DropDown(
                [(label, value) for value, label in spec.choices],
                value=self._initial if self._initial in {v for v, _ in spec.choices} else Select.NULL,
                prompt=f"choose {spec.label.lower()}",
                id=field_id(spec.key),
                disabled=self._locked,
            )
        else:
            yield Checkbox(spec.label, value=self._initial == "yes", id=field_id(spec.key), disabled=self._locked)
        yield Label(self._error or "", classes="field-error", markup=False)

    @property
    def ready(self) -> bool:
        """Its input exists (it has been composed)."""
        return bool(self.query(f"#{field_id(self.spec.key)}"))

    @property
    def widget(self):
        return self.query_one(f"#{field_id(self.spec.key)}")

    @property
    def value(self) -> str:
        if not self.ready:
            return self._initial
        widget = self.widget
        if isinstance(widget, Input):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL or widget.value is None else str(widget.value)
        return "yes" if widget.value else ""

    def set_value(self, text: str) -> None:
        if not self.ready:
            self._initial = text
            return
        widget = self.widget
        if isinstance(widget, Input):
            if widget.value != text:
                widget.value = text
        elif isinstance(widget, TextArea):
            if widget.text != text:
                widget.text = text
        elif isinstance(widget, Select):
            widget.value = text if text else Select.NULL
        else:
            widget.value = text == "yes"

    def show_error(self, message: str | None) -> None:
        self._error = message
        self.set_class(bool(message), "invalid")
        if self.ready:
            self.query_one(".field-error", Label).update(message or "")

    def lock_field(self) -> None:
        """No more changes to this field (the crisis path cannot be silently undone)."""
        self._locked = True
        if self.ready:
            self.widget.disabled = True
