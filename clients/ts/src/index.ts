// @perps/client: the generated clients and types of the three contracts, and small helpers on top.
export { contracts } from "./generated";
export * as PerpsTypes from "./generated/Perps.types";
export * as PriceFeedTypes from "./generated/PriceFeed.types";
export * as InsuranceFundTypes from "./generated/InsuranceFund.types";
export { PerpsClient, PerpsQueryClient } from "./generated/Perps.client";
export { PerpsMsgComposer } from "./generated/Perps.message-composer";
export { PriceFeedClient, PriceFeedQueryClient } from "./generated/PriceFeed.client";
export { PriceFeedMsgComposer } from "./generated/PriceFeed.message-composer";
export { InsuranceFundClient, InsuranceFundQueryClient } from "./generated/InsuranceFund.client";
export { InsuranceFundMsgComposer } from "./generated/InsuranceFund.message-composer";
export * from "./units";
export * from "./health";
export * from "./errors";
export * from "./connect";
