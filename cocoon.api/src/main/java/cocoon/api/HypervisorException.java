package cocoon.api;

/** The hypervisor process could not be started, reached or stopped. */
public class HypervisorException extends CocoonException {
    public HypervisorException(String what, String hint) {
        super(what, hint);
    }

    public HypervisorException(String what, String hint, Throwable cause) {
        super(what, hint, cause);
    }
}
