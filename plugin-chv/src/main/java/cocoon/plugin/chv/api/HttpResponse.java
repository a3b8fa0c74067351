package cocoon.plugin.chv.api;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One HTTP/1.1 response: status, headers (names lower-cased) and the de-chunked body. */
@SuppressWarnings(
        "ArrayRecordComponent") // the body goes to Jackson or into a message as it is; never compared or hashed
public record HttpResponse(int status, String reason, Map<String, String> headers, byte[] body) {

    public HttpResponse {
        headers = Map.copyOf(headers);
    }

    public boolean successful() {
        return status >= 200 && status < 300;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
