package io.distillab.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.options.BoundingBox;
import io.distillab.service.support.testing.TestAuth;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The job page in a real browser: headless Chromium (Debian's package) driven by Playwright opens
 * the page the service serves and checks that the loss curves are drawn (every series with a point
 * per step, laid out with a size), and that the state, parameters and history are shown. Skipped only
 * on a developer machine without /usr/bin/chromium; with CI=true a missing browser fails the test.
 */
@QuarkusTest
@TestProfile(TrainerTestProfile.class)
class JobPageBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TestHTTPResource("/")
    URL base;

    @Test
    void theLossCurvesAndTheStateAreDrawn() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) || "true".equals(System.getenv("CI")),
                "no /usr/bin/chromium (apt-get install chromium) and not in CI");
        long id = TestData.submitUpload(TestData.params("name", "page <test>", "steps", 7));
        assertEquals("succeeded", TestData.await(id, Duration.ofMinutes(1)).getString("status"));

        try (Playwright playwright = Playwright.create();
             Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                     .setExecutablePath(CHROMIUM).setHeadless(true)
                     .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                             "--disable-component-update", "--disable-sync", "--no-first-run")))) {
            // a reader's token on every request of the page (a browser behind an authenticating proxy)
            Page page = browser.newPage(new Browser.NewPageOptions().setExtraHTTPHeaders(
                    java.util.Map.of("Authorization", "Bearer " + TestAuth.jwt("viewer", "reader"))));
            Response response = page.navigate(base + "api/v1/jobs/" + id + "/page");
            assertEquals(200, response.status());
            assertEquals("trainer job " + id + ": page <test>", page.title());
            assertEquals("succeeded", page.locator("#status").textContent());
            assertEquals("7", page.locator("#step").textContent());

            Locator chart = page.locator("#chart svg");
            BoundingBox box = chart.boundingBox();
            assertTrue(box != null && box.width > 400 && box.height > 300, "chart not laid out: " + box);
            // loss, kl, ce, and the span series that are not 0 throughout: reason CE and action CE
            Locator lines = chart.locator("polyline");
            assertEquals(5, lines.count());
            for (int i = 0; i < lines.count(); i++) {
                Locator line = lines.nth(i);
                assertEquals(7, line.getAttribute("points").strip().split("\\s+").length, "points of line " + i);
                String stroke = (String) line.evaluate("e => getComputedStyle(e).stroke");
                assertTrue(stroke.startsWith("rgb("), "stroke " + stroke);
            }
            BoundingBox loss = lines.first().boundingBox();
            assertTrue(loss != null && loss.width > 300 && loss.height > 20, "the loss curve is not drawn: " + loss);
            List<String> legend = chart.locator("text").allTextContents();
            assertTrue(legend.containsAll(List.of("loss", "reason CE", "action CE")), legend.toString());

            assertEquals("2", page.locator("#parameters tr[data-name=\"batchSize\"] td").textContent());
            assertEquals("tiny", page.locator("#parameters tr[data-name=\"student\"] td").textContent());
            assertEquals(4, page.locator("#transitions tr").count()); // header + queued, running, succeeded
            assertEquals("/api/v1/jobs/" + id + "/student", page.locator("a#student").getAttribute("href"));
        }
    }
}
