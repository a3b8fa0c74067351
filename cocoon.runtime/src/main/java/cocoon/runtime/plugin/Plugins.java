package cocoon.runtime.plugin;

import cocoon.api.Availability;
import cocoon.api.DiskBuilder;
import cocoon.api.Hypervisor;
import cocoon.api.ImageSource;
import cocoon.api.InvalidInputException;
import cocoon.api.Network;
import cocoon.api.NotFoundException;
import cocoon.api.PluginContext;
import cocoon.runtime.config.Settings;
import cocoon.runtime.store.LockScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Opens plugins on first use, once per command, with the context the settings describe. */
public final class Plugins {

    private final PluginCatalog catalog;
    private final Settings settings;
    private final Path sharedDir;
    private final Map<String, Object> opened = new HashMap<>();

    /** {@code sharedDir}: the installation's shared files handed to every plugin, or null outside an installed image. */
    public Plugins(PluginCatalog catalog, Settings settings, Path sharedDir) {
        this.catalog = catalog;
        this.settings = settings;
        this.sharedDir = sharedDir;
    }

    public PluginCatalog catalog() {
        return catalog;
    }

    public List<ImageSource> sources() {
        return catalog.sources().stream().map(this::open).toList();
    }

    public ImageSource source(String kind) {
        return catalog.sources().stream()
                .filter(p -> p.kind().equals(kind))
                .findFirst()
                .map(this::open)
                .orElseThrow(() -> new NotFoundException(
                        "no image source for kind '" + kind + "'",
                        "install the plugin that provides it (cocoon doctor lists the installed ones)"));
    }

    /** The source that claims a reference as the user typed it. */
    public ImageSource sourceFor(String reference) {
        return sources().stream()
                .filter(s -> s.handles(reference))
                .findFirst()
                .orElseThrow(() -> new InvalidInputException(
                        "'" + reference + "' is not an image reference any plugin understands",
                        "use an OCI reference like registry/name:tag or an http(s):// URL of a disk image"));
    }

    public DiskBuilder diskBuilder(String kind) {
        DiskBuilder.Provider provider = catalog.diskBuilders().stream()
                .filter(p -> p.kind().equals(kind))
                .findFirst()
                .orElseThrow(() -> new NotFoundException(
                        "no disk builder for images of kind '" + kind + "'",
                        "install the plugin that provides it (cocoon doctor lists the installed ones)"));
        return open(provider);
    }

    public Hypervisor hypervisor(String name) {
        Hypervisor.Provider provider = catalog.hypervisors().stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new InvalidInputException(
                        "unknown hypervisor '" + name + "'",
                        "choose one of: auto, " + String.join(", ", hypervisorNames())));
        return open(provider);
    }

    /** {@code auto}: the most preferred hypervisor that can run here; otherwise the named one. */
    public Hypervisor chooseHypervisor(String requested) {
        if (!"auto".equals(requested)) {
            return hypervisor(requested);
        }
        List<Hypervisor> candidates = catalog.hypervisors().stream()
                .sorted(Comparator.comparingInt(Hypervisor.Provider::preference).reversed())
                .map(this::open)
                .toList();
        return candidates.stream()
                .filter(h -> h.check().usable())
                .findFirst()
                .orElseThrow(() -> new NotFoundException(
                        "no hypervisor can run VMs on this host",
                        candidates.isEmpty()
                                ? "no hypervisor plugin is installed"
                                : "run cocoon doctor to see what to install"));
    }

    /**
     * A network chosen for a new VM: null when no mode can serve its hypervisor.
     *
     * @param passedOver the modes {@code auto} preferred but could not use, each with why
     */
    public record NetworkChoice(Network network, List<String> passedOver) {}

    public Network network(String mode) {
        Network.Provider provider = catalog.networks().stream()
                .filter(p -> p.name().equals(mode))
                .findFirst()
                .orElseThrow(() -> new InvalidInputException(
                        "unknown network mode '" + mode + "'",
                        "choose one of: auto, " + String.join(", ", catalog.networkModes())));
        return open(provider);
    }

    /**
     * The network a new VM of {@code hypervisor} gets: the named mode, or for {@code auto} the most preferred mode
     * that can serve that hypervisor (empty when none can).
     */
    public NetworkChoice chooseNetwork(String requested, Hypervisor hypervisor) {
        if (!"auto".equals(requested)) {
            return new NetworkChoice(network(requested), List.of());
        }
        List<String> passedOver = new ArrayList<>();
        for (Network.Provider provider : catalog.networks().stream()
                .sorted(Comparator.comparingInt(Network.Provider::preference).reversed())
                .toList()) {
            Network network = open(provider);
            Availability availability = network.availability(hypervisor);
            if (availability.usable()) {
                return new NetworkChoice(network, passedOver);
            }
            passedOver.add(provider.name() + ": " + availability.detail());
        }
        return new NetworkChoice(null, passedOver);
    }

    /** Every network mode, opened: what gc asks for the files it keeps. */
    public List<Network> networks() {
        return catalog.networks().stream().map(this::open).toList();
    }

    public List<String> hypervisorNames() {
        return catalog.hypervisors().stream().map(Hypervisor.Provider::name).toList();
    }

    /** One line per plugin for {@code cocoon doctor}. */
    public Map<String, Availability> doctor() {
        Map<String, Availability> lines = new java.util.LinkedHashMap<>();
        catalog.sources().forEach(p -> lines.put("image source " + p.kind(), open(p).check()));
        catalog.diskBuilders().forEach(p -> lines.put("disk builder " + p.kind(), open(p).check()));
        catalog.hypervisors().forEach(p -> lines.put("hypervisor " + p.name(), open(p).check()));
        catalog.networks().forEach(p -> lines.put("network " + p.name(), open(p).check()));
        return lines;
    }

    private ImageSource open(ImageSource.Provider provider) {
        return (ImageSource) opened.computeIfAbsent(
                "source:" + provider.kind(),
                k -> provider.open(context(LockScope.imageSource(provider.kind()), provider.kind())));
    }

    private DiskBuilder open(DiskBuilder.Provider provider) {
        return (DiskBuilder) opened.computeIfAbsent(
                "disk:" + provider.kind(),
                k -> provider.open(context(LockScope.diskBuilder(provider.kind()), provider.kind())));
    }

    private Hypervisor open(Hypervisor.Provider provider) {
        return (Hypervisor) opened.computeIfAbsent(
                "hv:" + provider.name(),
                k -> provider.open(context(LockScope.hypervisor(provider.name()), provider.name())));
    }

    private Network open(Network.Provider provider) {
        return (Network) opened.computeIfAbsent(
                "net:" + provider.name(),
                k -> provider.open(context(LockScope.network(provider.name()), PluginCatalog.NETWORK_SECTION)));
    }

    private PluginContext context(LockScope locks, String section) {
        return Contexts.of(
                locks, settings.rootDir(), settings.runDir(), settings.logDir(), settings.section(section), sharedDir);
    }
}
