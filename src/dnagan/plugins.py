"""Plugin loading and the registries of encoders, generators and evaluators.

Built-in plugins are entry points of the ``dnagan`` distribution itself, in the entry-point
group ``dnagan``: they load through exactly the path a third-party plugin uses. Entry points load
one at a time; one that fails to import, or whose hook raises, is recorded in
:attr:`Plugins.errors`, logged as a warning, and everything else keeps working.
``DNAGAN_PLUGINS`` (comma-separated entry-point or distribution names; empty for none) limits
which third-party plugins load.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Generic, TypeVar

import pluggy

from dnagan import hookspecs
from dnagan.encoders import Encoder
from dnagan.errors import ConfigError, PluginError
from dnagan.evaluators import Evaluator
from dnagan.generators import GeneratorArchitecture

logger = logging.getLogger("dnagan")

ENTRY_POINT_GROUP = "dnagan"
BUILTIN_DISTRIBUTION = "dnagan"
ENV_PLUGINS = "DNAGAN_PLUGINS"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")

T = TypeVar("T")


@dataclass(frozen=True)
class Registration(Generic[T]):
    """One registered thing and the plugin that provided it."""

    name: str
    item: T
    plugin: str


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that failed to load or whose hook raised or registered something invalid."""

    plugin: str
    error: str


class Registry(Generic[T]):
    """Names -> registered classes of one kind (``encoder``, ``generator`` or ``evaluator``)."""

    def __init__(self, kind: str, base: type) -> None:
        self.kind = kind
        self.base = base
        self._entries: dict[str, Registration[T]] = {}
        self._conflicts: dict[str, list[str]] = {}

    def add(self, item: T, plugin: str) -> None:
        """Register ``item`` for ``plugin``; raises PluginError when it is invalid or taken."""
        if not (isinstance(item, type) and issubclass(item, self.base)):
            raise PluginError(
                f"plugin {plugin!r} registered {item!r} as {self.kind}, "
                f"expected a subclass of {self.base.__name__}"
            )
        name = getattr(item, "name", None)
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise PluginError(
                f"plugin {plugin!r} registered a {self.kind} with invalid name {name!r} "
                "(lower-case letters, digits, '-' and '_', starting with a letter)"
            )
        existing = self._entries.get(name)
        if existing is not None or name in self._conflicts:
            owners = self._conflicts.setdefault(name, [existing.plugin] if existing else [])
            owners.append(plugin)
            self._entries.pop(name, None)
            raise PluginError(
                f"{self.kind} name {name!r} is registered by both plugin {owners[0]!r} "
                f"and plugin {plugin!r}"
            )
        self._entries[name] = Registration(name, item, plugin)

    def get(self, name: str) -> Registration[T]:
        """Look a name up; unknown or conflicting names raise ConfigError listing valid names."""
        if name in self._conflicts:
            owners = " and ".join(repr(p) for p in self._conflicts[name])
            raise PluginError(f"{self.kind} {name!r} is registered by both plugin {owners}")
        try:
            return self._entries[name]
        except KeyError:
            valid = ", ".join(self.names()) or "none installed"
            raise ConfigError(f"unknown {self.kind} {name!r} (valid: {valid})") from None

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._entries)

    def __iter__(self) -> Iterator[Registration[T]]:
        return iter(self._entries[name] for name in self.names())

    def __contains__(self, name: object) -> bool:
        return name in self._entries


@dataclass
class Plugins:
    """The loaded plugin manager, the three registries and the load failures."""

    manager: pluggy.PluginManager
    encoders: Registry[type[Encoder]] = field(
        default_factory=lambda: Registry("encoder", Encoder)
    )
    generators: Registry[type[GeneratorArchitecture]] = field(
        default_factory=lambda: Registry("generator", GeneratorArchitecture)
    )
    evaluators: Registry[type[Evaluator]] = field(
        default_factory=lambda: Registry("evaluator", Evaluator)
    )
    errors: list[PluginFailure] = field(default_factory=list)
    runtime: dict[str, object] = field(default_factory=dict)

    def fail(self, plugin: str, error: str) -> None:
        """Record and log a plugin failure."""
        self.errors.append(PluginFailure(plugin, error))
        logger.warning("plugin %r: %s", plugin, error)

    def collect(self) -> None:
        """(Re)build the registries by calling every plugin's hooks, one plugin at a time."""
        self.encoders = Registry("encoder", Encoder)
        self.generators = Registry("generator", GeneratorArchitecture)
        self.evaluators = Registry("evaluator", Evaluator)
        self.errors = [e for e in self.errors if e.error.startswith("failed to load")]
        hooks: list[tuple[str, Registry[Any]]] = [
            ("register_encoders", self.encoders),
            ("register_generators", self.generators),
            ("register_evaluators", self.evaluators),
        ]
        for hook_name, registry in hooks:
            caller = getattr(self.manager.hook, hook_name)
            for impl in caller.get_hookimpls():
                self._call(impl.plugin_name, impl.function, registry)

    def _call(self, plugin: str, function: Callable[..., Any], registry: Registry[Any]) -> None:
        def register(item: Any) -> None:
            try:
                registry.add(item, plugin)
            except PluginError as error:
                self.fail(plugin, str(error))

        try:
            function(register=register)
        except Exception as error:  # noqa: BLE001 - a plugin's bug must not break the CLI
            self.fail(plugin, f"hook {function.__name__} raised {type(error).__name__}: {error}")


def _allowed_third_party() -> set[str] | None:
    value = os.environ.get(ENV_PLUGINS)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _entry_points() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def is_builtin(entry_point: metadata.EntryPoint) -> bool:
    """Whether an entry point belongs to dnagan's own distribution."""
    dist = entry_point.dist
    return dist is not None and dist.name == BUILTIN_DISTRIBUTION


def load_plugins() -> Plugins:
    """Create a plugin manager, load built-in and permitted third-party entry points, collect."""
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    plugins = Plugins(manager)
    allowed = _allowed_third_party()
    for entry_point in _entry_points():
        if not is_builtin(entry_point) and allowed is not None:
            dist_name = entry_point.dist.name if entry_point.dist else ""
            if entry_point.name not in allowed and dist_name not in allowed:
                continue
        if manager.has_plugin(entry_point.name):
            plugins.fail(entry_point.name, "failed to load: another plugin has the same name")
            continue
        try:
            module = entry_point.load()
            manager.register(module, name=entry_point.name)
        except Exception as error:  # noqa: BLE001 - isolate broken plugins
            plugins.fail(entry_point.name, f"failed to load: {type(error).__name__}: {error}")
    plugins.collect()
    return plugins


_lock = threading.Lock()
_plugins: Plugins | None = None


def get_plugins() -> Plugins:
    """The process-wide plugins, loaded on first use."""
    global _plugins
    with _lock:
        if _plugins is None:
            _plugins = load_plugins()
        return _plugins


def reset_plugins() -> None:
    """Forget loaded plugins; the next :func:`get_plugins` loads them again."""
    global _plugins
    with _lock:
        _plugins = None


def register_plugin(plugin: object, name: str) -> None:
    """Register a plugin object or module at run time (tests, notebooks) and rebuild registries."""
    plugins = get_plugins()
    if plugins.manager.has_plugin(name):
        raise PluginError(f"a plugin named {name!r} is already registered")
    plugins.manager.register(plugin, name=name)
    plugins.runtime[name] = plugin
    plugins.collect()


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered with :func:`register_plugin` and rebuild registries."""
    plugins = get_plugins()
    plugins.manager.unregister(name=name)
    plugins.runtime.pop(name, None)
    plugins.collect()


def runtime_plugins() -> dict[str, object]:
    """Plugins registered with :func:`register_plugin` (not entry points), by name.

    Worker processes re-register the picklable ones so they see the same registries.
    """
    return dict(get_plugins().runtime)


def create_encoder(name: str, options: dict[str, Any] | None = None) -> Encoder:
    """Instantiate the encoder registered as ``name`` with raw option values."""
    return get_plugins().encoders.get(name).item.from_config(options)


def plugin_of(registry: Registry[Any], name: str) -> str:
    """The plugin that registered ``name`` in ``registry``."""
    return registry.get(name).plugin
