package io.distillab.metrics;

import io.distillab.service.support.testing.TestAuth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.ElementHandle;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.options.BoundingBox;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The report page in a real browser: headless Chromium (Debian's package) driven by Playwright
 * opens the page the service serves and checks that the AGS heatmap is drawn for the analysed
 * models with the values of the result, and that the feature bars are there. Skipped only on a
 * developer machine without /usr/bin/chromium; with CI=true a missing browser fails the test.
 */
@QuarkusTest
@TestProfile(MetricsTestProfile.class)
class ReportBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TestHTTPResource("/")
    URL base;

    @Test
    void theHeatmapIsDrawnForTheAnalysedModels() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) || "true".equals(System.getenv("CI")),
                "no /usr/bin/chromium (apt-get install chromium) and not in CI");
        long dataset = TestData.newDataset("browser");
        TestData.upload(dataset, TestData.tauBench(), "tau-bench", null);
        long id = TestData.submit(Map.of("dataset", dataset, "splitTrials", true, "ged", true));
        assertEquals("done", TestData.await(id, Duration.ofMinutes(2)).getString("status"));
        JsonNode result = InProcess.JSON.readTree(TestData.result(id));
        List<String> models = InProcess.JSON.convertValue(result.get("models"), List.class);
        assertEquals(4, models.size());
        // what each cell must say: the pair's AGS as the page prints it ("null" on the diagonal, where a
        // model/trial-K run has one trajectory per task and so no pair of its own trajectories)
        Map<String, Double> ags = new HashMap<>();
        result.get("pairs").forEach(p -> {
            Double v = p.get("ags").isNull() ? null : p.get("ags").asDouble();
            ags.put(p.get("a").asText() + "|" + p.get("b").asText(), v);
            ags.put(p.get("b").asText() + "|" + p.get("a").asText(), v);
        });
        assertTrue(ags.values().stream().filter(java.util.Objects::nonNull).count() >= 12);

        try (Playwright playwright = Playwright.create();
             Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                     .setExecutablePath(CHROMIUM).setHeadless(true)
                     .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                             "--disable-component-update", "--disable-sync", "--no-first-run")))) {
            Page page = browser.newPage();
            page.setExtraHTTPHeaders(java.util.Map.of("Authorization", TestAuth.adminBearer()));
            Response response = page.navigate(base.toString() + "api/v1/analyses/" + id + "/report");
            assertEquals(200, response.status());
            assertTrue(page.title().contains("analysis " + id), page.title());

            Locator heatmap = page.locator("svg#heatmap-ags");
            assertEquals(String.join("|", models), heatmap.getAttribute("data-models"));
            BoundingBox box = heatmap.boundingBox();
            assertTrue(box != null && box.width > 100 && box.height > 100, "heatmap not laid out");
            List<ElementHandle> cells = heatmap.locator("rect.cell").elementHandles();
            assertEquals(models.size() * models.size(), cells.size());
            for (ElementHandle cell : cells) {
                BoundingBox c = cell.boundingBox();
                assertTrue(c != null && c.width > 5 && c.height > 5, "a cell is not drawn");
                String fill = (String) cell.evaluate("e => getComputedStyle(e).fill");
                assertTrue(fill.startsWith("rgb("), "cell fill " + fill);
                String key = cell.getAttribute("data-a") + "|" + cell.getAttribute("data-b");
                assertTrue(ags.containsKey(key), "a cell for an unknown pair " + key);
                Double expected = ags.get(key);
                String shown = cell.getAttribute("data-value");
                if (expected == null) {
                    assertEquals("null", shown, key);
                } else {
                    // the page prints a few significant digits
                    assertEquals(expected, Double.parseDouble(shown), 1e-3 * Math.max(1, Math.abs(expected)), key);
                }
            }
            assertEquals(1, page.locator("svg#heatmap-ged").count());
            Locator bars = page.locator("svg.feature-bars");
            assertEquals(6, bars.count());
            assertEquals(models.size(), bars.first().locator("rect.bar").count());
        }
    }
}
