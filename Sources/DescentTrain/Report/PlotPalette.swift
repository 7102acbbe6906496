/// The colours the plots draw series with: Okabe and Ito's palette, distinguishable with colour-blindness.
public enum PlotPalette {
    /// Blue, orange, bluish green, vermillion, reddish purple, sky blue, black, yellow (`#rrggbb`).
    public static let colors = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]

    /// The colour of the `index`-th series (the palette repeats).
    public static func color(_ index: Int) -> String { colors[((index % colors.count) + colors.count) % colors.count] }
}
