package cocoon.api;

import java.util.List;

/** An external program failed, timed out or is missing; the message carries its stderr. */
public class ToolException extends CocoonException {

    private final List<String> argv;

    public ToolException(List<String> argv, String what, String hint) {
        super(what, hint);
        this.argv = List.copyOf(argv);
    }

    public List<String> argv() {
        return argv;
    }
}
