package cocoon.api;

import java.util.List;
import java.util.function.Function;

/**
 * A provider declared by its facts: its name, its preference when the user says {@code auto}, the keys of
 * its config section and how to open it. Providers of each SPI extend it through their SPI's
 * {@code Registration} with a public no-argument constructor, which is all {@link java.util.ServiceLoader} needs.
 *
 * @param <T> what the provider opens
 */
public abstract class DeclaredProvider<T> {

    private final String name;
    private final int preference;
    private final List<Setting<?>> settings;
    private final Function<PluginContext, T> opener;

    protected DeclaredProvider(
            String name, int preference, List<Setting<?>> settings, Function<PluginContext, T> opener) {
        this.name = name;
        this.preference = preference;
        this.settings = List.copyOf(settings);
        this.opener = opener;
    }

    public final String name() {
        return name;
    }

    public final int preference() {
        return preference;
    }

    public final List<Setting<?>> settings() {
        return settings;
    }

    public final T open(PluginContext context) {
        return opener.apply(context);
    }
}
