import { getMetricsFromIterator, type PromMetrics } from "prom2javascript";

type Sample = { labels: Record<string, string>; value?: number; count?: number };

/** /metrics read by a Prometheus text-format parser, as a scraper would, with lookups by name and labels. */
export class Scrape {
  private constructor(readonly families: PromMetrics) {}

  static async parse(text: string): Promise<Scrape> {
    return new Scrape(await getMetricsFromIterator(text.split("\n")[Symbol.iterator]()));
  }

  /** The value of the sample of `name` whose labels include `labels`; 0 when there is none (never incremented). */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.find(name, labels)?.value ?? 0;
  }

  /** A histogram's count of observations for the labels. */
  count(name: string, labels: Record<string, string> = {}): number {
    return this.find(name, labels)?.count ?? 0;
  }

  /** Every label value of every series. */
  get labelValues(): string[] {
    return Object.values(this.families).flatMap((family) =>
      (family.data as Sample[]).flatMap((sample) => Object.values(sample.labels)),
    );
  }

  private find(name: string, labels: Record<string, string>): Sample | undefined {
    const samples = (this.families[name]?.data ?? []) as Sample[];
    return samples.find((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  }
}
