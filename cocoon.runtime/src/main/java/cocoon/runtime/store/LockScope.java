package cocoon.runtime.store;

import cocoon.api.CocoonException;
import java.util.regex.Pattern;

/**
 * The lock names a plugin is opened with: its store's lock and the prefix of its own locks. Image
 * stores are {@code images.<kind>}, shared by the image source and the disk builder of that kind; a
 * plugin's own locks are {@code <prefix>.<name>}. Every plugin lock has a dot and none of the
 * runtime's ({@code vms}, {@code vms-index}, {@code vm-<id>}) does, so they never meet.
 *
 * @param store      the lock {@code StoreLocks.store()} hands out
 * @param ownPrefix  what {@code StoreLocks.own(name)} puts before {@code .name}
 */
public record LockScope(String store, String ownPrefix) {

    private static final Pattern PART = Pattern.compile("[a-z0-9-]+");

    public static LockScope imageSource(String kind) {
        return new LockScope(imageStore(kind), imageStore(kind));
    }

    /** A disk builder works over its image kind's store, which create holds shared while it builds. */
    public static LockScope diskBuilder(String kind) {
        return new LockScope(imageStore(kind), "disks." + checked(kind));
    }

    public static LockScope hypervisor(String name) {
        String scope = "hypervisors." + checked(name);
        return new LockScope(scope, scope);
    }

    public static LockScope network(String mode) {
        String scope = "networks." + checked(mode);
        return new LockScope(scope, scope);
    }

    /** The lock of the image store of {@code kind}, which pulls hold shared and the collector exclusively. */
    public static String imageStore(String kind) {
        return "images." + checked(kind);
    }

    /** Whether {@code lock} is one the runtime hands to plugins. */
    public static boolean isPluginLock(String lock) {
        return lock.contains(".");
    }

    String own(String name) {
        if (!PART.matcher(name).matches()) {
            throw new IllegalArgumentException("bad lock name " + name + ": use lower-case letters, digits and '-'");
        }
        return ownPrefix + "." + name;
    }

    private static String checked(String pluginName) {
        if (!PART.matcher(pluginName).matches()) {
            throw new CocoonException(
                    "plugin name '" + pluginName + "' cannot name a lock",
                    "a plugin's kind or name is lower-case letters, digits and '-'; report this to the plugin's author");
        }
        return pluginName;
    }
}
