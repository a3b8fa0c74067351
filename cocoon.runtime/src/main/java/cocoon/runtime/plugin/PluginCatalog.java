package cocoon.runtime.plugin;

import cocoon.api.DiskBuilder;
import cocoon.api.Hypervisor;
import cocoon.api.ImageSource;
import cocoon.api.Network;
import cocoon.runtime.config.SettingSections;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The plugin providers this runtime can see: those on its own module path (or class path) and those
 * in jars dropped into the image's {@code plugins/} folder, which get a module layer of their own.
 * Added plugins come first, so they are asked first which references they handle and win over a
 * built-in of the same name. Providers are cheap factories; nothing is opened here.
 */
public final class PluginCatalog {

    /** The section every network mode reads: the modes share the host's network, so its settings are one set. */
    public static final String NETWORK_SECTION = "network";

    private final List<ImageSource.Provider> sources;
    private final List<DiskBuilder.Provider> diskBuilders;
    private final List<Hypervisor.Provider> hypervisors;
    private final List<Network.Provider> networks;
    private final SettingSections settingSections = new SettingSections();

    private PluginCatalog(
            List<ImageSource.Provider> sources,
            List<DiskBuilder.Provider> diskBuilders,
            List<Hypervisor.Provider> hypervisors,
            List<Network.Provider> networks) {
        this.sources = List.copyOf(sources);
        this.diskBuilders = List.copyOf(diskBuilders);
        this.hypervisors = List.copyOf(hypervisors);
        this.networks = List.copyOf(networks);
        // Checked here, so plugins that disagree on a shared key fail every command, not the one that opens them.
        this.sources.forEach(p -> settingSections.declare(p.kind(), "image source " + p.kind(), p.settings()));
        this.diskBuilders.forEach(p -> settingSections.declare(p.kind(), "disk builder " + p.kind(), p.settings()));
        this.hypervisors.forEach(p -> settingSections.declare(p.name(), "hypervisor " + p.name(), p.settings()));
        this.networks.forEach(p -> settingSections.declare(NETWORK_SECTION, "network " + p.name(), p.settings()));
    }

    /** Discovers built-in providers and those in {@code pluginDir} (which may be null or absent). */
    public static PluginCatalog discover(Path pluginDir) {
        ModuleLayer extra = pluginLayer(pluginDir);
        return new PluginCatalog(
                load(extra, ImageSource.Provider.class, ImageSource.Provider::kind),
                load(extra, DiskBuilder.Provider.class, DiskBuilder.Provider::kind),
                load(extra, Hypervisor.Provider.class, Hypervisor.Provider::name),
                load(extra, Network.Provider.class, Network.Provider::name));
    }

    /** Exactly these providers, in this order: a program that embeds the runtime with plugins of its own, or a test. */
    public static PluginCatalog of(
            List<ImageSource.Provider> sources,
            List<DiskBuilder.Provider> diskBuilders,
            List<Hypervisor.Provider> hypervisors) {
        return of(sources, diskBuilders, hypervisors, List.of());
    }

    /** As {@link #of(List, List, List)}, with network modes too. */
    public static PluginCatalog of(
            List<ImageSource.Provider> sources,
            List<DiskBuilder.Provider> diskBuilders,
            List<Hypervisor.Provider> hypervisors,
            List<Network.Provider> networks) {
        return new PluginCatalog(sources, diskBuilders, hypervisors, networks);
    }

    public List<ImageSource.Provider> sources() {
        return sources;
    }

    public List<DiskBuilder.Provider> diskBuilders() {
        return diskBuilders;
    }

    public List<Hypervisor.Provider> hypervisors() {
        return hypervisors;
    }

    public List<Network.Provider> networks() {
        return networks;
    }

    /**
     * The config sections the plugins read: {@code [kind]} for an image source and the disk builder of
     * its kind together, {@code [name]} for a hypervisor, {@code [network]} for every network mode together.
     */
    public SettingSections settingSections() {
        return settingSections;
    }

    public List<String> hypervisorNames() {
        return hypervisors.stream().map(Hypervisor.Provider::name).toList();
    }

    public List<String> networkModes() {
        return networks.stream().map(Network.Provider::name).toList();
    }

    private static <P> List<P> load(ModuleLayer extra, Class<P> type, Function<P, String> name) {
        Stream<ServiceLoader.Provider<P>> added =
                extra == null ? Stream.empty() : ServiceLoader.load(extra, type).stream();
        Stream<ServiceLoader.Provider<P>> found = Stream.concat(added, builtIn(type));
        Map<String, P> byName = new LinkedHashMap<>();
        found.map(ServiceLoader.Provider::get).forEach(p -> byName.putIfAbsent(name.apply(p), p));
        return List.copyOf(byName.values());
    }

    /**
     * The runtime's own providers. In the image they are found in the boot layer's module descriptors;
     * a lookup by class loader would also open every jar on the module path in search of
     * {@code META-INF/services} files. Only class-path runs (tests) need that.
     */
    private static <P> Stream<ServiceLoader.Provider<P>> builtIn(Class<P> type) {
        Module runtime = PluginCatalog.class.getModule();
        return runtime.isNamed()
                ? ServiceLoader.load(runtime.getLayer(), type).stream()
                : ServiceLoader.load(type, PluginCatalog.class.getClassLoader()).stream();
    }

    private static ModuleLayer pluginLayer(Path pluginDir) {
        if (pluginDir == null || !Files.isDirectory(pluginDir)) {
            return null;
        }
        List<Path> jars = new ArrayList<>();
        try (Stream<Path> entries = Files.list(pluginDir)) {
            entries.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(jars::add);
        } catch (IOException e) {
            throw new cocoon.api.CocoonException(
                    "cannot read plugin folder " + pluginDir + ": " + e.getMessage(), "check its permissions");
        }
        if (jars.isEmpty()) {
            return null;
        }
        ModuleFinder finder = ModuleFinder.of(jars.toArray(Path[]::new));
        Set<String> names = finder.findAll().stream()
                .map(ModuleReference::descriptor)
                .map(d -> d.name())
                .collect(Collectors.toSet());
        ModuleLayer boot = ModuleLayer.boot();
        try {
            Configuration config = boot.configuration().resolveAndBind(finder, ModuleFinder.of(), names);
            return boot.defineModulesWithOneLoader(config, PluginCatalog.class.getClassLoader());
        } catch (RuntimeException e) {
            throw new cocoon.api.CocoonException(
                    "cannot load plugins from " + pluginDir + ": " + e.getMessage(), "remove or fix the offending jar");
        }
    }
}
