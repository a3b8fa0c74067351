package cocoon.api;

/** A VM, image or file the user named does not exist. */
public class NotFoundException extends CocoonException {
    public NotFoundException(String what, String hint) {
        super(what, hint);
    }
}
