package cocoon.runtime.cli;

import cocoon.api.CocoonException;
import java.util.List;
import java.util.function.Consumer;

/** Runs a per-VM action over several names; one failure does not stop the others, but fails the command. */
final class Each {

    private Each() {}

    static void vm(List<String> names, Consumer<String> action) {
        CocoonException first = null;
        for (String name : names) {
            try {
                action.accept(name);
            } catch (CocoonException e) {
                if (names.size() == 1) {
                    throw e;
                }
                System.err.println(Errors.line(e));
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw new Errors.AlreadyReported();
        }
    }
}
