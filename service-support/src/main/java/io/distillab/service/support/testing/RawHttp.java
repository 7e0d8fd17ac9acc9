package io.distillab.service.support.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * HTTP/1.1 over a plain socket, for the tests of body limits: HTTP clients either insist on
 * sending the body they announced (and fail with a broken pipe when the server refuses it
 * early) or cannot send a chunked body that goes on forever. Here the request head is sent, the
 * body (if any) is written by another thread that stops at the first failed write, and the
 * response is read whatever happens to the body.
 */
public final class RawHttp {
    /** A response: status, headers (lower-case names) and body text. */
    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawHttp() {
    }

    /**
     * Sends {@code head} (request line and headers, without the blank line) and no body: for a
     * Content-Length the server must refuse before reading a byte.
     */
    public static Response headOnly(int port, String head) throws IOException {
        try (Socket s = new Socket("localhost", port)) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write((head + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return read(s.getInputStream());
        }
    }

    /**
     * Sends {@code head} with {@code Transfer-Encoding: chunked} and then the chunks
     * {@code chunk.apply(0)}, {@code chunk.apply(1)}, ... until {@code chunk} answers null (the
     * body then ends properly) or the server stops taking them.
     */
    public static Response chunked(int port, String head, IntFunction<byte[]> chunk) throws IOException {
        try (Socket s = new Socket("localhost", port)) {
            s.setSoTimeout(120_000);
            OutputStream out = s.getOutputStream();
            out.write((head + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; ; i++) {
                        byte[] c = chunk.apply(i);
                        if (c == null) {
                            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            return;
                        }
                        out.write((Integer.toHexString(c.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(c);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException e) {
                    // the server answered and closed: the response tells the rest
                }
            }, "raw-http-body");
            writer.setDaemon(true);
            writer.start();
            return read(s.getInputStream());
        }
    }

    private static Response read(InputStream in) throws IOException {
        String status = line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int n = Integer.parseInt(line(in).trim(), 16); n > 0; n = Integer.parseInt(line(in).trim(), 16)) {
                body.write(in.readNBytes(n));
                line(in);
            }
        }
        return new Response(Integer.parseInt(status.split(" ")[1]), headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed after: " + sb);
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
