import { authyUsers } from "../support.js";
import { describeSignup } from "./signup.js";

describeSignup(
  "legacy Authy",
  "+14155570002",
  async (phone) => (await authyUsers()).find((user) => `+${user.countryCode}${user.cellphone}` === phone)?.code ?? null,
);
