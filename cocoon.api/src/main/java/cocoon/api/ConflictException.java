package cocoon.api;

/** The request clashes with current state: a name taken, a VM running, an image in use. */
public class ConflictException extends CocoonException {
    public ConflictException(String what, String hint) {
        super(what, hint);
    }
}
