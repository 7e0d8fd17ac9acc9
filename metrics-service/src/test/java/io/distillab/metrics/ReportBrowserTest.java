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
 * models with the values of the result, in the order of their clustering with the dendrogram beside
 * it, that a long fine-tuned model name is shown whole, that wide pages put heatmaps side by side,
 * and that the feature bars are there. Skipped only on a
 * developer machine without /usr/bin/chromium; with CI=true a missing browser fails the test.
 */
@QuarkusTest
@TestProfile(MetricsTestProfile.class)
class ReportBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final String LONG_NAME = "ft:gpt-4o-mini-2024-07-18:distillab-research:airline-sad-distilled-v3:AbCdEf12";

    @TestHTTPResource("/")
    URL base;

    @Test
    void theHeatmapIsDrawnForTheAnalysedModels() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) || "true".equals(System.getenv("CI")),
                "no /usr/bin/chromium (apt-get install chromium) and not in CI");
        long dataset = TestData.newDataset("browser");
        // a fine-tuned model's long name, as OpenAI writes them: the page must show it whole
        TestData.upload(dataset, TestData.tauBench(), "tau-bench", LONG_NAME);
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
            Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(2400, 1400));
            page.setExtraHTTPHeaders(java.util.Map.of("Authorization", TestAuth.adminBearer()));
            Response response = page.navigate(base.toString() + "api/v1/analyses/" + id + "/report");
            assertEquals(200, response.status());
            assertTrue(page.title().contains("analysis " + id), page.title());

            Locator heatmap = page.locator("svg#heatmap-ags");
            // rows in the clustering's order: the same models, and the closest pair (highest AGS, read
            // from the result) side by side, since average linkage merges it first
            List<String> order = List.of(heatmap.getAttribute("data-models").split("\\|"));
            assertEquals(new java.util.TreeSet<>(models), new java.util.TreeSet<>(order));
            String closest = ags.entrySet().stream().filter(e -> e.getValue() != null)
                    .filter(e -> !e.getKey().split("\\|")[0].equals(e.getKey().split("\\|")[1]))
                    .max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            int p0 = order.indexOf(closest.split("\\|")[0]);
            int p1 = order.indexOf(closest.split("\\|")[1]);
            assertEquals(1, Math.abs(p0 - p1), "closest pair " + closest + " adjacent in " + order);
            // the dendrogram beside the map: n - 1 merges, its leaf order the rows', left of the cells
            Locator tree = heatmap.locator("g.dendrogram");
            assertEquals(String.join("|", order), tree.getAttribute("data-order"));
            assertEquals(models.size() - 1, tree.locator("path.merge").count());
            BoundingBox treeBox = tree.boundingBox();
            BoundingBox firstCell = heatmap.locator("rect.cell").first().boundingBox();
            assertTrue(treeBox != null && treeBox.width > 20 && treeBox.x + treeBox.width <= firstCell.x + 1,
                    "the dendrogram stands left of the matrix");
            // the rows' labels, in that order, whole and inside the page
            List<ElementHandle> rowLabels = heatmap.locator("text.row-label").elementHandles();
            assertEquals(order.size(), rowLabels.size());
            BoundingBox svgBox = heatmap.boundingBox();
            for (int i = 0; i < rowLabels.size(); i++) {
                assertEquals((i + 1) + " " + order.get(i), rowLabels.get(i).textContent(), "row k: 'k name'");
                assertEquals(order.get(i), rowLabels.get(i).getAttribute("data-model"));
                assertTrue(order.get(i).startsWith(LONG_NAME + "/trial-"), order.get(i));
                BoundingBox l = rowLabels.get(i).boundingBox();
                assertTrue(l.x >= svgBox.x && l.x + l.width <= svgBox.x + svgBox.width + 0.5,
                        "row label " + i + " inside its SVG: " + l.x + "+" + l.width + " vs " + svgBox.x + "+" + svgBox.width);
                assertTrue(l.width > 7 * LONG_NAME.length() * 0.6, "row label " + i + " drawn at full length: " + l.width);
            }
            List<ElementHandle> colLabels = heatmap.locator("text.col-label").elementHandles();
            for (int j = 0; j < colLabels.size(); j++) {
                ElementHandle col = colLabels.get(j);
                assertEquals(order.get(j), col.getAttribute("data-model"), "column k is row k's model");
                BoundingBox c = col.boundingBox();
                assertTrue(c.x >= svgBox.x && c.x + c.width <= svgBox.x + svgBox.width + 0.5
                        && c.y + c.height <= svgBox.y + svgBox.height + 0.5, "column label inside its SVG");
            }
            // a wide page shows heatmaps side by side
            BoundingBox second = page.locator("svg#heatmap-s_node").boundingBox();
            assertTrue(Math.abs(second.y - svgBox.y) < 40 && second.x > svgBox.x + svgBox.width,
                    "S_node's map beside AGS's on a 2400 px page");
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
