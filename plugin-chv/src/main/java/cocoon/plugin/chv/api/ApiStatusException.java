package cocoon.plugin.chv.api;

import java.io.IOException;

/** The VMM answered, but with an error status (500 with its error chain when the VM is not running or not created). */
public final class ApiStatusException extends IOException {

    private final int status;

    public ApiStatusException(String request, HttpResponse response) {
        super(request + " answered " + response.status() + " " + response.reason()
                + (response.body().length == 0 ? "" : ": " + response.bodyText().strip()));
        this.status = response.status();
    }

    public int status() {
        return status;
    }
}
