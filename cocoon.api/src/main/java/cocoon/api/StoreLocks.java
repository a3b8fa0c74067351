package cocoon.api;

/**
 * The locks the runtime hands a plugin. The runtime names every lock file, so a plugin can neither
 * take another plugin's locks nor one of the runtime's own by accident.
 */
public interface StoreLocks {

    /**
     * The lock of the store this plugin keeps: an image source's store, which the disk builder of the
     * same kind shares (a hypervisor's is its own). Operations that only add to the store (a pull) or
     * edit its index (a delete) hold it shared for their whole run; the collector holds every image
     * store's exclusively while it decides, so it never sees half a pull.
     */
    StoreLock store();

    /** A lock of the plugin's own, such as one around a read-modify-write of its index. */
    StoreLock own(String name);
}
